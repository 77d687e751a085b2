import { useState } from "react";
import { useTranslation } from "react-i18next";
import { STAGES, type AppStatus, type Stage } from "../backend";
import type { StatusState } from "../App";
import HostPage from "./HostPage";
import KubeconfigsPage from "./KubeconfigsPage";
import ImportLauncher from "./ImportLauncher";
import ProxyAddressPage from "./ProxyAddressPage";
import AddClusterPage from "./AddClusterPage";
import JoinPage from "./JoinPage";
import ClustersPage from "./ClustersPage";

/** A stage's heading and, until its feature is in place, the empty state that tells a
 * newcomer what to do next and links to the step that comes before. */
export default function StagePage({
  stage,
  status,
  onNavigate,
  onStatus,
}: {
  stage: Stage;
  status: StatusState;
  onNavigate: (stage: Stage) => void;
  onStatus: (status: AppStatus) => void;
}) {
  const { t } = useTranslation();
  const index = STAGES.indexOf(stage);
  const previous = stage === "clusters" ? STAGES[0] : STAGES[index - 1];
  // Bumped when contexts were imported or removed, so the list is read afresh.
  const [listVersion, setListVersion] = useState(0);
  const reread = () => setListVersion((n) => n + 1);
  const hostContext = status && "status" in status ? status.status.hostContext : null;
  const memberContext = (status && "status" in status ? status.status.memberContext : null) ?? null;
  const wide = (stage === "add-cluster" || stage === "join" || stage === "clusters") && hostContext;

  return (
    <div className={wide ? "stage-content wide" : "stage-content"} data-testid={`stage-${stage}`}>
      <p className="eyebrow">{t("app.step", { n: index + 1 })}</p>
      <h2 id="stage-title">{t(`stages.${stage}.title`)}</h2>
      <p className="lead">{t(`stages.${stage}.lead`)}</p>

      {stage === "kubeconfigs" ? (
        <>
          <KubeconfigSources status={status} />
          {status && "status" in status && (
            <>
              <ImportLauncher onImported={reread} />
              {/* Keyed by target and list version: leaving the sandbox for the user's own files,
                  or importing, reads the contexts afresh. */}
              <KubeconfigsPage
                key={`${status.status.target.type}:${listVersion}`}
                status={status.status}
                onStatus={onStatus}
                onContextsChanged={reread}
              />
            </>
          )}
        </>
      ) : stage === "host" && hostContext ? (
        <HostPage key={hostContext} context={hostContext} />
      ) : stage === "proxy-address" && hostContext ? (
        <ProxyAddressPage key={hostContext} context={hostContext} />
      ) : stage === "add-cluster" && hostContext ? (
        <AddClusterPage key={hostContext} host={hostContext} member={memberContext} onNavigate={onNavigate} />
      ) : stage === "join" && hostContext ? (
        <JoinPage key={hostContext} host={hostContext} member={memberContext} onNavigate={onNavigate} />
      ) : stage === "clusters" && hostContext ? (
        <ClustersPage key={`${hostContext}:${memberContext}`} host={hostContext} member={memberContext} onNavigate={onNavigate} />
      ) : (
        <section className="empty-state" aria-labelledby="empty-title">
          <StageIllustration index={index} />
          <h3 id="empty-title">{t(`stages.${stage}.empty.title`)}</h3>
          <p>{t(`stages.${stage}.empty.body`)}</p>
          {previous && (
            <button type="button" className="primary" onClick={() => onNavigate(previous)}>
              {t(`stages.${stage}.empty.action`)}
            </button>
          )}
        </section>
      )}
    </div>
  );
}

/** Which files this window reads, in kubectl's order. */
function KubeconfigSources({ status }: { status: StatusState }) {
  const { t } = useTranslation();
  const paths = status && "status" in status ? status.status.target.paths : [];
  return (
    <p className="sources" data-testid="kubeconfig-sources">
      <span className="muted">{t("stages.kubeconfigs.empty.sources")} </span>
      {paths.length > 0 ? paths.map((path) => <code key={path}>{path}</code>) : t("stages.kubeconfigs.empty.defaultSource")}
    </p>
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
