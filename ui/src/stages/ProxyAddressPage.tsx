import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type ApplyStep, type BackendError, type StaleAgent } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";

type Report = Awaited<ReturnType<typeof backend.proxyAddressReport>>;
type Plan = Awaited<ReturnType<typeof backend.planProxyAddress>>;
type Outcome = Awaited<ReturnType<typeof backend.setProxyAddress>>;
type Restored = Awaited<ReturnType<typeof backend.restoreProxyAddress>>;
type Probe = Awaited<ReturnType<typeof backend.probeProxyAddress>>;

/** Where the proxy address comes from, and a reviewed, reversible change of it. */
export default function ProxyAddressPage({ context }: { context: string }) {
  const { t } = useTranslation();
  const [report, setReport] = useState<Report | null>(null);
  const [url, setUrl] = useState("");
  const [plan, setPlan] = useState<Plan | null>(null);
  const [probe, setProbe] = useState<Probe | null>(null);
  const [done, setDone] = useState<{ kind: "set"; outcome: Outcome } | { kind: "restored"; outcome: Restored } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  // Bumped after the address changed: the joined members' agents are checked again.
  const [staleCheck, setStaleCheck] = useState(0);

  const act = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (thrown) {
      setError(toBackendError(thrown));
    } finally {
      setBusy(null);
    }
  };
  const read = () => act("read", async () => setReport(await backend.proxyAddressReport(context)));
  const preview = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    setProbe(null);
    void act("preview", async () => setPlan(await backend.planProxyAddress(context, url)));
  };
  const apply = () =>
    act("apply", async () => {
      const outcome = await backend.setProxyAddress(context, url, false);
      setDone({ kind: "set", outcome });
      setPlan(null);
      if (outcome.written) setStaleCheck((n) => n + 1);
      setReport(await backend.proxyAddressReport(context));
    });
  const restore = () =>
    act("restore", async () => {
      const outcome = await backend.restoreProxyAddress(context);
      setDone({ kind: "restored", outcome });
      setStaleCheck((n) => n + 1);
      setReport(await backend.proxyAddressReport(context));
    });
  const check = () => act("probe", async () => setProbe(await backend.probeProxyAddress(url)));
  const [restartedAt, setRestartedAt] = useState<string | null>(null);
  const restartApiserver = () => act("restart", async () => setRestartedAt(await backend.restartKsApiserver(context)));

  return (
    <section className="proxy-address" aria-labelledby="proxy-title">
      <header>
        <h3 id="proxy-title">{t("proxyAddress.title", { context })}</h3>
        <button type="button" onClick={read} disabled={busy !== null} aria-busy={busy === "read"}>
          {report ? t("proxyAddress.reread") : t("proxyAddress.read")}
        </button>
      </header>
      {error && <ErrorNotice error={error} title={t("proxyAddress.failed")} />}
      {report && <Current report={report} />}

      <form className="proxy-form" onSubmit={preview}>
        <label htmlFor="proxy-url">{t("proxyAddress.urlLabel")}</label>
        <input
          id="proxy-url"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          placeholder="http://139.198.120.120:30000"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" disabled={busy !== null || url.trim() === ""}>
          {t("proxyAddress.preview")}
        </button>
        <button type="button" onClick={check} disabled={busy !== null || url.trim() === ""}>
          {t("proxyAddress.probe")}
        </button>
      </form>
      {probe && (
        <p className={probe.healthStatus === 200 ? "ok" : "warning"} data-testid="probe">
          {probe.detail}
        </p>
      )}
      {plan && <PlanView plan={plan} onApply={apply} busy={busy !== null} />}
      {done?.kind === "set" && (
        <div className="ok" role="status" data-testid="set-done">
          <p>{t("proxyAddress.written", { url: done.outcome.plan.url })}</p>
          <p className="secondary">{t("proxyAddress.backup", { path: done.outcome.backup ?? "" })}</p>
          {done.outcome.plan.needsRestart &&
            (restartedAt ? (
              <p className="ok">{t("proxyAddress.restarted")}</p>
            ) : (
              <p className="warning">
                {t("proxyAddress.restart")}{" "}
                <button type="button" onClick={restartApiserver} disabled={busy !== null}>
                  {t("proxyAddress.restartNow")}
                </button>
              </p>
            ))}
          <p className="secondary">{t("proxyAddress.agentsKeepOld")}</p>
        </div>
      )}
      {done?.kind === "restored" && (
        <p className="ok" role="status" data-testid="restored">
          {t("proxyAddress.restored", { address: done.outcome.restoredAddress ?? t("proxyAddress.none") })}
        </p>
      )}
      <button type="button" onClick={restore} disabled={busy !== null}>
        {t("proxyAddress.restore")}
      </button>
      <StaleAgents context={context} trigger={staleCheck} />
    </section>
  );
}

function Current({ report }: { report: Report }) {
  const { t } = useTranslation();
  const { effective } = report;
  return (
    <div className="proxy-current" data-testid="proxy-current">
      <p>
        {effective ? (
          <>
            {t(effective.origin === "configured" ? "proxyAddress.effectiveConfigured" : "proxyAddress.effectiveLoadBalancer")}{" "}
            <code>{effective.url}</code>
          </>
        ) : (
          <span className="warning">{t("proxyAddress.noAddress")}</span>
        )}
      </p>
      {report.portForward && <p className="hint">{t("proxyAddress.forward", { forward: report.portForward })}</p>}
      <table>
        <thead>
          <tr>
            <th>{t("proxyAddress.place")}</th>
            <th>{t("proxyAddress.value")}</th>
          </tr>
        </thead>
        <tbody>
          {report.places.map((place) => (
            <tr key={place.place} data-place={place.place}>
              <td>
                {place.description} {place.place === report.readPlace && <span className="badge">{t("proxyAddress.read_")}</span>}
              </td>
              <td>
                {place.problem ? (
                  <span className="warning">{place.problem}</span>
                ) : !place.exists ? (
                  t("proxyAddress.absent")
                ) : (
                  <code>{place.address ?? t("proxyAddress.none")}</code>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.disagreements.map((text) => (
        <p key={text} className="warning">
          {text}
        </p>
      ))}
    </div>
  );
}

function PlanView({ plan, onApply, busy }: { plan: Plan; onApply: () => void; busy: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="proxy-plan" data-testid="plan">
      <p>
        {plan.description}: <code>{plan.previousAddress ?? t("proxyAddress.none")}</code> → <code>{plan.url}</code>
      </p>
      {plan.warnings.map((warning) => (
        <p key={warning.code} className="warning" data-code={warning.code}>
          {warning.message}
        </p>
      ))}
      <table className="diff" aria-label={t("proxyAddress.diff")}>
        <thead>
          <tr>
            <th>{t("proxyAddress.before")}</th>
            <th>{t("proxyAddress.after")}</th>
          </tr>
        </thead>
        <tbody>
          {plan.diff.map((row, i) => (
            <tr key={i} className={row.change}>
              <td>
                <code>{row.before ?? ""}</code>
              </td>
              <td>
                <code>{row.after ?? ""}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan.otherKeys.length > 0 && <p className="secondary">{t("proxyAddress.kept", { keys: plan.otherKeys.join(", ") })}</p>}
      {plan.unchanged ? (
        <p className="ok">{t("proxyAddress.unchanged")}</p>
      ) : (
        <button type="button" className="primary" onClick={onApply} disabled={busy}>
          {t("proxyAddress.apply")}
        </button>
      )}
    </div>
  );
}

type Reapply =
  | { cluster: string; member: string; state: "running"; done: number; total: number | null }
  | { cluster: string; member: string; state: "failed"; error: BackendError }
  | { cluster: string; member: string; state: "done" };

/** Members joined from this machine whose agent still dials another address than tower gives
 * now: checked on request and after the address changed; re-applying agent.yaml re-points one. */
function StaleAgents({ context, trigger }: { context: string; trigger: number }) {
  const { t } = useTranslation();
  const [agents, setAgents] = useState<StaleAgent[] | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [reapply, setReapply] = useState<Reapply | null>(null);
  // Only the newest check's answer is shown; none after the page is gone.
  const checkNumber = useRef(0);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const check = useCallback(async () => {
    const mine = ++checkNumber.current;
    const current = () => alive.current && mine === checkNumber.current;
    setChecking(true);
    setError(null);
    try {
      const found = await backend.staleAgents(context);
      if (current()) setAgents(found);
    } catch (thrown) {
      if (current()) setError(toBackendError(thrown));
    } finally {
      if (current()) setChecking(false);
    }
  }, [context]);

  useEffect(() => {
    if (trigger > 0) void check();
  }, [trigger, check]);

  const running = reapply?.state === "running";
  const runReapply = async (agent: StaleAgent) => {
    const { cluster, memberContext: member } = agent;
    let steps: Record<number, ApplyStep> = {};
    setReapply({ cluster, member, state: "running", done: 0, total: null });
    try {
      await backend.applyAgent(context, member, cluster, (step) => {
        steps = { ...steps, [step.index]: step };
        if (!alive.current) return;
        const done = Object.values(steps).filter((s) => s.done).length;
        setReapply({ cluster, member, state: "running", done, total: step.total });
      });
      if (!alive.current) return;
      setReapply({ cluster, member, state: "done" });
      await check();
    } catch (thrown) {
      if (alive.current) setReapply({ cluster, member, state: "failed", error: toBackendError(thrown) });
    }
  };

  return (
    <section className="stale-agents-section" aria-labelledby="stale-title" aria-busy={checking || running} data-testid="stale-section">
      <header>
        <h4 id="stale-title">{t("proxyAddress.stale.title")}</h4>
        <button type="button" onClick={() => void check()} disabled={checking || running} aria-busy={checking} data-testid="check-stale">
          {agents ? t("proxyAddress.stale.recheck") : t("proxyAddress.stale.check")}
        </button>
      </header>
      <p className="muted">{t("proxyAddress.stale.explain")}</p>
      <Pending active={checking} label={t("proxyAddress.stale.checking")} />
      {error && <ErrorNotice error={error} title={t("proxyAddress.stale.failed")} />}
      {reapply?.state === "done" && (
        <p className="ok" role="status" data-testid="reapplied">
          {t("proxyAddress.stale.reapplied", { member: reapply.member, cluster: reapply.cluster })}
        </p>
      )}
      {agents &&
        (agents.length === 0 ? (
          <p className="ok" data-testid="stale-none">
            {t("proxyAddress.stale.none")}
          </p>
        ) : (
          <ul className="stale-agents" data-testid="stale-agents">
            {agents.map((agent) => {
              const mine = reapply?.cluster === agent.cluster ? reapply : null;
              return (
                <li key={agent.cluster} data-cluster={agent.cluster} data-state={agent.problem ? "unreadable" : "stale"}>
                  <div className="stale-agent-head">
                    <span>
                      <strong>{agent.cluster}</strong> <span className="secondary">{t("proxyAddress.stale.member", { member: agent.memberContext })}</span>
                    </span>
                    <button
                      type="button"
                      onClick={() => void runReapply(agent)}
                      disabled={running || checking}
                      aria-busy={mine?.state === "running"}
                      data-testid={`reapply-${agent.cluster}`}
                    >
                      {t("proxyAddress.stale.reapply")}
                    </button>
                  </div>
                  {agent.problem ? (
                    <p className="warning">
                      {t("proxyAddress.stale.unreadable")} {agent.problem}
                    </p>
                  ) : (
                    <p className="stale-dials">
                      {t("proxyAddress.stale.dials")} <code>{agent.dials ?? t("proxyAddress.none")}</code> → {t("proxyAddress.stale.expected")}{" "}
                      <code>{agent.expected}</code>
                    </p>
                  )}
                  {mine?.state === "running" && (
                    <>
                      <Pending active label={t("proxyAddress.stale.reapplying", { member: mine.member })} />
                      {mine.total !== null && (
                        <p className="secondary" aria-live="polite" data-testid="reapply-progress">
                          {t("proxyAddress.stale.progress", { done: mine.done, total: mine.total })}
                        </p>
                      )}
                    </>
                  )}
                  {mine?.state === "failed" && <ErrorNotice error={mine.error} title={t("proxyAddress.stale.reapplyFailed", { member: mine.member })} />}
                </li>
              );
            })}
          </ul>
        ))}
    </section>
  );
}
