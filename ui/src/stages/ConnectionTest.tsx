import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, taskName, toBackendError, type AppStatus, type BackendError, type ConnectionReport } from "../backend";
import ErrorNotice from "../components/ErrorNotice";

type Run =
  | { state: "idle" }
  | { state: "running" }
  | { state: "cancelled" }
  | { state: "done"; report: ConnectionReport }
  | { state: "error"; error: BackendError };

/** "Test connection" for the contexts chosen as host and member. Nothing is contacted until
 * the user presses the button. */
export function ConnectionTests({ status }: { status: AppStatus }) {
  const { t } = useTranslation();
  const chosen = [
    { role: t("kubeconfigs.host"), context: status.hostContext },
    { role: t("kubeconfigs.member"), context: status.memberContext },
  ].filter((entry): entry is { role: string; context: string } => !!entry.context);
  if (chosen.length === 0) return null;
  return (
    <div className="connection-tests">
      {chosen.map(({ role, context }) => (
        <ConnectionTest key={`${role}:${context}`} context={context} role={role} />
      ))}
    </div>
  );
}

export default function ConnectionTest({ context, role }: { context: string; role?: string }) {
  const { t } = useTranslation();
  const [run, setRun] = useState<Run>({ state: "idle" });
  // The test in flight: the answer of one that was stopped is dropped.
  const current = useRef<string | null>(null);
  const start = () => {
    const task = taskName("connection-test");
    current.current = task;
    setRun({ state: "running" });
    backend.testConnection(context, task).then(
      (report) => current.current === task && setRun({ state: "done", report }),
      (thrown) => current.current === task && setRun({ state: "error", error: toBackendError(thrown) }),
    );
  };
  // A test only reads (an exec plugin may wait for a login a minute): stopping it is safe.
  const cancel = () => {
    const task = current.current;
    if (!task) return;
    current.current = null;
    setRun({ state: "cancelled" });
    void backend.cancelTask(task).catch(() => undefined);
  };
  const headingId = `connection-${context}`;
  return (
    <section className="connection-test" aria-labelledby={headingId} data-context={context}>
      <header>
        <h3 id={headingId}>
          {role && <span className="badge">{role}</span>} {t("connection.title", { context })}
        </h3>
        <button type="button" onClick={start} disabled={run.state === "running"} aria-busy={run.state === "running"}>
          {run.state === "running" ? t("connection.testing") : run.state === "idle" ? t("connection.test") : t("connection.retest")}
        </button>
        {run.state === "running" && (
          <button type="button" className="ghost" onClick={cancel} data-testid="cancel-connection-test">
            {t("connection.cancel")}
          </button>
        )}
      </header>
      <div aria-live="polite">
        {run.state === "cancelled" && <p className="muted">{t("connection.cancelled")}</p>}
        {run.state === "done" && <Report report={run.report} />}
        {run.state === "error" && <ErrorNotice error={run.error} title={t("connection.couldNotRun")} />}
      </div>
    </section>
  );
}

function Report({ report }: { report: ConnectionReport }) {
  const { t } = useTranslation();
  const { failure, version, identity, latency, endpoint } = report;
  const ca = endpoint?.tls.ca;
  const caText = !ca ? null : ca.kind === "file" ? t("connection.ca.file", { path: ca.path }) : t(`connection.ca.${ca.kind}`);
  return (
    <div className={report.connected ? "connection-report ok" : "connection-report failed"}>
      <p className="connection-state">
        <strong>{report.connected ? t("connection.connected") : t("connection.failed")}</strong>
        {endpoint && <span className="secondary">{endpoint.server}</span>}
      </p>
      {failure && (
        <div className="error-notice" role="alert" data-cause={failure.cause}>
          <strong>{t(`connection.causes.${failure.cause}`)}</strong>
          <p>{failure.message}</p>
          <p className="hint">
            <span className="muted">{t("connection.hint")}: </span>
            {failure.hint}
          </p>
        </div>
      )}
      <dl className="facts">
        {version && (
          <>
            <dt>{t("connection.version")}</dt>
            <dd>
              <code>{version.gitVersion}</code> {version.platform && <span className="secondary">{version.platform}</span>}
            </dd>
          </>
        )}
        {identity && (
          <>
            <dt>{t("connection.user")}</dt>
            <dd>
              <code>{identity.username}</code>
              {identity.groups.length > 0 && (
                <span className="secondary">{t("connection.groups", { groups: identity.groups.join(", ") })}</span>
              )}
            </dd>
          </>
        )}
        {latency && (
          <>
            <dt>{t("connection.latency")}</dt>
            <dd>
              {t("connection.latencyValue", {
                roundTrip: ms(latency.roundTripMs),
                first: ms(latency.firstRequestMs),
              })}
            </dd>
          </>
        )}
        <dt>{t("connection.tls")}</dt>
        <dd>
          <span className={report.tls === "verified" ? undefined : "warning"}>{t(`connection.tlsState.${report.tls}`)}</span>
          {caText && <span className="secondary">{caText}</span>}
        </dd>
      </dl>
      {report.warnings.length > 0 && (
        <ul className="connection-warnings" aria-label={t("connection.warnings")}>
          {report.warnings.map((warning) => (
            <li key={warning.code} className="warning" data-code={warning.code}>
              <strong>{t(`connection.warningTitles.${warning.code}`)}</strong> {warning.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The bindings type f64 as `number | null` (JSON has no NaN). */
function ms(value: number | null): string {
  return value === null ? "?" : value.toFixed(1);
}
