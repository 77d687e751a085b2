import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import ErrorNotice from "../components/ErrorNotice";

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
      setReport(await backend.proxyAddressReport(context));
    });
  const restore = () =>
    act("restore", async () => {
      const outcome = await backend.restoreProxyAddress(context);
      setDone({ kind: "restored", outcome });
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
