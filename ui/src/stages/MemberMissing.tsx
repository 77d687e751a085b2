import { useTranslation } from "react-i18next";
import type { Stage } from "../backend";

/** No member context chosen: what that means here, and the way to choose one. */
export default function MemberMissing({ why, onNavigate }: { why: string; onNavigate: (stage: Stage) => void }) {
  const { t } = useTranslation();
  return (
    <div className="notice warning-notice" data-testid="member-missing">
      <p>
        <strong>{t("flow.memberMissing")}</strong> {why}
      </p>
      <button type="button" onClick={() => onNavigate("kubeconfigs")}>
        {t("flow.goToKubeconfigs")}
      </button>
    </div>
  );
}
