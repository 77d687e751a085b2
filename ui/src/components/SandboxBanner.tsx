import { useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type AppStatus, type BackendError } from "../backend";
import ErrorNotice from "./ErrorNotice";

/** Says plainly that the clusters are simulated, and leaves them for real ones in one click. */
export default function SandboxBanner({ scenario, onLeft }: { scenario: string; onLeft: (status: AppStatus) => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<BackendError | null>(null);
  const leave = () => backend.useOwnKubeconfigs().then(onLeft, (thrown) => setError(toBackendError(thrown)));
  return (
    <section className="sandbox-banner" data-testid="sandbox-banner" aria-labelledby="sandbox-title">
      <div>
        <h2 id="sandbox-title">{t("sandbox.title")}</h2>
        <p>{t("sandbox.body", { scenario })}</p>
      </div>
      <button type="button" className="ghost" onClick={leave}>
        {t("sandbox.leave")}
      </button>
      {error && <ErrorNotice error={error} title={t("sandbox.leave")} />}
    </section>
  );
}
