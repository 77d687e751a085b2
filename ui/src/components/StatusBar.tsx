import { useTranslation } from "react-i18next";
import type { StatusState } from "../App";

export default function StatusBar({ status }: { status: StatusState }) {
  const { t } = useTranslation();
  if (status === null) return <footer className="status-bar" aria-busy="true" />;
  if ("error" in status) {
    return (
      <footer className="status-bar error" role="alert">
        <span>{t("status.backendDown")}: {status.error.message}</span>
        {status.error.hint && <span className="hint">{status.error.hint}</span>}
      </footer>
    );
  }
  const { hostContext, memberContext, target, version } = status.status;
  const paths = target.paths;
  return (
    <footer className="status-bar" data-testid="status-bar">
      <Context label={t("status.host")} value={hostContext ?? null} testId="status-host" />
      <Context label={t("status.member")} value={memberContext ?? null} testId="status-member" />
      {target.type === "sandbox" && (
        <span className="status-item sandbox-tag" data-testid="status-sandbox">
          {t("status.sandbox", { scenario: target.scenario })}
        </span>
      )}
      <span className="status-item source" title={paths.join("\n")}>
        <span className="status-label">{t("status.source")}</span>
        <span className="status-value">{paths.length > 0 ? paths.join(", ") : t("status.defaultSource")}</span>
      </span>
      <span className="status-item version">{t("status.version", { version })}</span>
    </footer>
  );
}

function Context({ label, value, testId }: { label: string; value: string | null; testId: string }) {
  const { t } = useTranslation();
  return (
    <span className="status-item" data-testid={testId}>
      <span className={value ? "dot on" : "dot"} aria-hidden="true" />
      <span className="status-label">{label}</span>
      {value ?? <span className="muted">{t("status.notChosen")}</span>}
    </span>
  );
}
