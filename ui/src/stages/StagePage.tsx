import { useTranslation } from "react-i18next";
import { STAGES, type Stage } from "../backend";
import type { StatusState } from "../App";

/** A stage's heading and, until its feature is in place, the empty state that tells a
 * newcomer what to do next and links to the step that comes before. */
export default function StagePage({
  stage,
  status,
  onNavigate,
}: {
  stage: Stage;
  status: StatusState;
  onNavigate: (stage: Stage) => void;
}) {
  const { t } = useTranslation();
  const index = STAGES.indexOf(stage);
  const previous = stage === "clusters" ? STAGES[0] : STAGES[index - 1];

  return (
    <div className="stage-content" data-testid={`stage-${stage}`}>
      <p className="eyebrow">{t("app.step", { n: index + 1 })}</p>
      <h2 id="stage-title">{t(`stages.${stage}.title`)}</h2>
      <p className="lead">{t(`stages.${stage}.lead`)}</p>

      <section className="empty-state" aria-labelledby="empty-title">
        <StageIllustration index={index} />
        <h3 id="empty-title">{t(`stages.${stage}.empty.title`)}</h3>
        <p>{t(`stages.${stage}.empty.body`)}</p>
        {stage === "kubeconfigs" ? (
          <KubeconfigSources status={status} />
        ) : (
          previous && (
            <button type="button" className="primary" onClick={() => onNavigate(previous)}>
              {t(`stages.${stage}.empty.action`)}
            </button>
          )
        )}
      </section>
    </div>
  );
}

function KubeconfigSources({ status }: { status: StatusState }) {
  const { t } = useTranslation();
  const paths = status && "status" in status ? status.status.target.paths : [];
  return (
    <div className="sources">
      <p className="sources-title">{t("stages.kubeconfigs.empty.sources")}</p>
      <ul>
        {paths.length > 0 ? (
          paths.map((path) => (
            <li key={path}>
              <code>{path}</code>
            </li>
          ))
        ) : (
          <li>{t("stages.kubeconfigs.empty.defaultSource")}</li>
        )}
      </ul>
      <p className="muted">{t("stages.kubeconfigs.empty.pending")}</p>
    </div>
  );
}

/** A small drawing of the flow with the current step highlighted. */
function StageIllustration({ index }: { index: number }) {
  return (
    <svg className="illustration" viewBox="0 0 240 40" aria-hidden="true" focusable="false">
      <line x1="20" y1="20" x2="220" y2="20" className="track" />
      {STAGES.map((stage, i) => (
        <circle key={stage} cx={20 + i * 40} cy="20" r={i === index ? 11 : 7} className={i <= index ? "node reached" : "node"} />
      ))}
    </svg>
  );
}
