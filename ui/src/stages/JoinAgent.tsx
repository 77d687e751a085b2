import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import {
  backend,
  toBackendError,
  type ApplyOutcome,
  type ApplyPlan,
  type ApplyStep,
  type BackendError,
  type ManifestView,
  type ReachReport,
} from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";
import { BundleExport, ImageCheck, MirrorFacts } from "./JoinAirGap";
import { describeObject } from "./objects";

export type ManifestLoad = { view: ManifestView } | { error: BackendError } | null;

/** agent.yaml as the page may see it: the join token is masked by Rust. Export has Rust write
 * the real file (token included, owner-only) to a path the user gives. */
export function AgentManifest({
  host,
  cluster,
  load,
  busy,
  onFetch,
}: {
  host: string;
  cluster: string;
  load: ManifestLoad;
  busy: boolean;
  onFetch: () => void;
}) {
  const { t } = useTranslation();
  const [path, setPath] = useState("");
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<{ path: string } | { error: BackendError } | null>(null);
  const view = load && "view" in load ? load.view : null;

  const exportFile = async (event: FormEvent) => {
    event.preventDefault();
    setExporting(true);
    setExported(null);
    try {
      setExported({ path: await backend.exportAgentManifest(host, cluster, path.trim()) });
    } catch (thrown) {
      setExported({ error: toBackendError(thrown) });
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="join-section" aria-labelledby="agent-yaml-title" data-testid="agent-manifest" aria-busy={busy}>
      <header>
        <h4 id="agent-yaml-title">{t("join.manifest.title")}</h4>
        <button type="button" onClick={onFetch} disabled={busy} data-testid="fetch-manifest">
          {view ? t("join.manifest.reread") : t("join.manifest.fetch")}
        </button>
      </header>
      {!load && !busy && <p className="muted">{t("join.manifest.notYet")}</p>}
      <Pending active={busy} label={t("join.manifest.loading")} />
      {load && "error" in load && <ErrorNotice error={load.error} title={t("join.manifest.failed")} />}
      {view && (
        <>
          <dl className="facts-list">
            <div className="fact">
              <dt>{t("join.manifest.source")}</dt>
              <dd data-testid="manifest-source" data-source={view.source}>
                {t(`join.manifest.sources.${view.source}`)}
              </dd>
            </div>
            {view.proxyServer && (
              <div className="fact">
                <dt>{t("join.manifest.proxyServer")}</dt>
                <dd>
                  <code>{view.proxyServer}</code>
                </dd>
              </div>
            )}
            {view.images.length > 0 && (
              <div className="fact">
                <dt>{t("join.manifest.images")}</dt>
                <dd>
                  {view.images.map((image) => (
                    <code key={image}>{image}</code>
                  ))}
                </dd>
              </div>
            )}
          </dl>
          <MirrorFacts view={view} />
          {view.note && <p className="hint-box" data-testid="manifest-note">{view.note}</p>}
          <p className="muted">{t("join.manifest.masked")}</p>
          <pre className="yaml" data-testid="manifest-yaml">
            <code>{view.yaml}</code>
          </pre>
          <form className="inline-form" onSubmit={exportFile}>
            <label htmlFor="agent-export-path">{t("join.manifest.exportLabel")}</label>
            <input
              id="agent-export-path"
              value={path}
              onChange={(event) => setPath(event.target.value)}
              placeholder={t("join.manifest.exportPlaceholder")}
              spellCheck={false}
              autoComplete="off"
            />
            <button type="submit" disabled={exporting || path.trim() === ""} aria-busy={exporting} data-testid="export-manifest">
              {t("join.manifest.export")}
            </button>
          </form>
          <Pending active={exporting} label={t("join.manifest.exporting")} />
          {exported && "path" in exported && (
            <p className="ok" role="status" data-testid="export-done">
              {t("join.manifest.exported", { path: exported.path })}
            </p>
          )}
          {exported && "error" in exported && <ErrorNotice error={exported.error} title={t("join.manifest.exportFailed")} />}
          <BundleExport host={host} cluster={cluster} />
        </>
      )}
    </section>
  );
}

type Apply =
  | { state: "running"; steps: Record<number, ApplyStep> }
  | { state: "done"; steps: Record<number, ApplyStep>; outcome: ApplyOutcome }
  | { state: "failed"; steps: Record<number, ApplyStep>; error: BackendError };

/** The server dry run of each object on the member, then the apply with per-object progress.
 * A conflict (or another cluster's agent) blocks the apply: nothing is forced. */
export function PlanAndApply({ host, member, cluster, onApplied }: { host: string; member: string | null; cluster: string; onApplied: () => void }) {
  const { t } = useTranslation();
  const [plan, setPlan] = useState<ApplyPlan | null>(null);
  const [planning, setPlanning] = useState(false);
  const [planError, setPlanError] = useState<BackendError | null>(null);
  const [apply, setApply] = useState<Apply | null>(null);
  const [imageBlocked, setImageBlocked] = useState(false);

  const makePlan = async () => {
    if (!member) return;
    setPlanning(true);
    setPlanError(null);
    setApply(null);
    try {
      setPlan(await backend.planAgentApply(host, member, cluster));
    } catch (thrown) {
      setPlanError(toBackendError(thrown));
    } finally {
      setPlanning(false);
    }
  };
  const runApply = async () => {
    if (!member) return;
    let steps: Record<number, ApplyStep> = {};
    setApply({ state: "running", steps });
    try {
      const outcome = await backend.applyAgent(host, member, cluster, (step) => {
        steps = { ...steps, [step.index]: step };
        setApply({ state: "running", steps });
      });
      setApply({ state: "done", steps, outcome });
      onApplied();
    } catch (thrown) {
      setApply({ state: "failed", steps, error: toBackendError(thrown) });
    }
  };

  const conflicts = plan ? plan.items.filter((item) => item.action === "conflict").length : 0;
  const blocked = plan !== null && (conflicts > 0 || plan.otherAgent !== null || imageBlocked);
  const applying = apply?.state === "running";
  const progress = (index: number) => {
    const step = apply?.steps[index];
    if (!step) return apply?.state === "running" ? "waiting" : apply ? "notReached" : null;
    return step.done ? "done" : apply?.state === "failed" ? "failed" : "working";
  };
  const reported = apply ? Object.values(apply.steps) : [];
  const doneCount = reported.filter((step) => step.done).length;
  const total = reported[0]?.total ?? plan?.items.length ?? 0;

  return (
    <section className="join-section" aria-labelledby="agent-plan-title" data-testid="agent-plan">
      <header>
        <h4 id="agent-plan-title">{t("join.plan.title")}</h4>
        <button type="button" onClick={makePlan} disabled={!member || planning || applying} aria-busy={planning} data-testid="plan-apply">
          {plan ? t("join.plan.replan") : t("join.plan.plan")}
        </button>
      </header>
      <p className="muted">{t("join.plan.explain")}</p>
      <Pending active={planning} label={t("join.plan.planning")} />
      {planError && <ErrorNotice error={planError} title={t("join.plan.failed")} />}
      {plan && (
        <>
          <div className="table-scroll">
            <table className="data-table plan-table" data-testid="plan-table">
              <thead>
                <tr>
                  <th scope="col">{t("join.plan.object")}</th>
                  <th scope="col">{t("join.plan.action")}</th>
                  <th scope="col">{t("join.plan.detail")}</th>
                  {apply && <th scope="col">{t("join.plan.progress")}</th>}
                </tr>
              </thead>
              <tbody>
                {plan.items.map((item, index) => {
                  const state = progress(index);
                  return (
                    <tr key={index} data-object={describeObject(item.object)} data-action={item.action} className={item.action === "conflict" ? "conflict" : undefined}>
                      <td>
                        <code>{describeObject(item.object)}</code>
                      </td>
                      <td>
                        <span className={`badge action action-${item.action}`}>{t(`join.plan.actions.${item.action}`)}</span>
                      </td>
                      <td>{item.detail}</td>
                      {apply && (
                        <td data-progress={state ?? undefined}>
                          {state && (
                            <>
                              {state === "working" && <span className="spinner" aria-hidden="true" />} {t(`join.plan.states.${state}`)}
                            </>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {plan.otherAgent && (
            <p className="warning" data-testid="other-agent">
              {t("join.plan.otherAgent", { name: plan.otherAgent })}
            </p>
          )}
          {conflicts > 0 && (
            <p className="warning" data-testid="plan-blocked">
              {t("join.plan.blocked", { count: conflicts })}
            </p>
          )}
        </>
      )}
      <ImageCheck host={host} member={member} cluster={cluster} disabled={applying} onResult={setImageBlocked} />
      <ReachCheck host={host} member={member} cluster={cluster} disabled={applying} />
      {plan && (
        <>
          <div className="wizard-actions">
            <button type="button" className="primary" onClick={runApply} disabled={blocked || applying || !member} aria-busy={applying} data-testid="apply-agent">
              {applying ? t("join.plan.applying") : t("join.plan.apply")}
            </button>
          </div>
          {apply && (
            <p className={apply.state === "failed" ? "warning" : "ok"} aria-live="polite" data-testid="apply-progress">
              {apply.state === "done"
                ? t("join.plan.applied", {
                    created: apply.outcome.created.length,
                    updated: apply.outcome.updated.length,
                    unchanged: apply.outcome.unchanged.length,
                  })
                : t("join.plan.count", { done: doneCount, total })}
            </p>
          )}
          {apply?.state === "failed" && <ErrorNotice error={apply.error} title={t("join.plan.applyFailed")} />}
        </>
      )}
    </section>
  );
}

type ReachLoad = { report: ReachReport } | { error: BackendError } | null;
const reachState = (reachable: boolean | null) => (reachable === null ? "unknown" : reachable ? "true" : "false");

/** Whether the member's own nodes reach tower at agent.yaml's address (a probe Pod per node),
 * before the agent is applied. Nodes that cannot are a warning, not a block: Apply stays. */
function ReachCheck({ host, member, cluster, disabled }: { host: string; member: string | null; cluster: string; disabled: boolean }) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<ReachLoad>(null);
  const [probing, setProbing] = useState(false);

  const probe = async () => {
    if (!member) return;
    setProbing(true);
    try {
      setLoad({ report: await backend.probeMemberReach(host, member, cluster) });
    } catch (thrown) {
      setLoad({ error: toBackendError(thrown) });
    } finally {
      setProbing(false);
    }
  };

  const report = load && "report" in load ? load.report : null;
  const failing = report ? report.nodes.filter((node) => node.reachable === false).map((node) => node.node) : [];

  return (
    <div className="reach-check stack" aria-busy={probing} data-testid="reach-check">
      <div className="reach-check-header">
        <p className="muted">{t("join.reach.explain")}</p>
        <button type="button" onClick={probe} disabled={!member || probing || disabled} aria-busy={probing} data-testid="probe-nodes">
          {report ? t("join.reach.recheck") : t("join.reach.check")}
        </button>
      </div>
      <Pending active={probing} label={t("join.reach.checking")} />
      {load && "error" in load && <ErrorNotice error={load.error} title={t("join.reach.failed")} />}
      {report && (
        <>
          <p className="secondary">
            {t("join.reach.url")} <code>{report.url}</code>
          </p>
          {report.nodes.length === 0 ? (
            <p className="muted" data-testid="probe-no-nodes">
              {t("join.reach.noNodes")}
            </p>
          ) : (
            <div className="table-scroll">
              <table className="data-table reach-table" data-testid="probe-table">
                <thead>
                  <tr>
                    <th scope="col">{t("join.reach.node")}</th>
                    <th scope="col">{t("join.reach.result")}</th>
                    <th scope="col">{t("join.reach.detail")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.nodes.map((node) => {
                    const state = reachState(node.reachable);
                    return (
                      <tr key={node.node} data-node={node.node} data-reachable={state}>
                        <td>
                          <code>{node.node}</code>
                        </td>
                        <td>
                          <span className={`badge reach reach-${state}`}>{t(`join.reach.results.${state}`)}</span>
                        </td>
                        <td>
                          <code className="reach-detail">{node.detail}</code>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {failing.length > 0 ? (
            <p className="warning" role="status" data-testid="probe-warning">
              {t("join.reach.warning", { nodes: failing.join(t("join.reach.separator")), url: report.url })}
            </p>
          ) : (
            report.nodes.some((node) => node.reachable === true) && (
              <p className="ok" role="status" data-testid="probe-ok">
                {t(report.nodes.every((node) => node.reachable === true) ? "join.reach.allReach" : "join.reach.someUnchecked", { url: report.url })}
              </p>
            )
          )}
        </>
      )}
    </div>
  );
}
