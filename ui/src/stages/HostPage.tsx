import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, taskName, toBackendError, type BackendError, type CheckId, type CheckResult, type Verdict } from "../backend";
import ErrorNotice from "../components/ErrorNotice";

/** The checks in the order the backend lists them; each row waits for its result. */
const CHECKS: readonly CheckId[] = [
  "connection",
  "platformAdmin",
  "permissions",
  "kubesphere",
  "towerExtension",
  "towerPods",
  "towerService",
  "nodeAddresses",
  "proxyAddress",
];

type Run =
  | { state: "idle" }
  | { state: "running"; results: Partial<Record<CheckId, CheckResult>> }
  | { state: "done"; results: Partial<Record<CheckId, CheckResult>> }
  | { state: "cancelled"; results: Partial<Record<CheckId, CheckResult>> }
  | { state: "error"; error: BackendError };

/** Host preflight: nothing is contacted until the user asks; each check's row fills in
 * the moment the backend reports it. */
export default function HostPage({ context }: { context: string }) {
  const { t } = useTranslation();
  const [run, setRun] = useState<Run>({ state: "idle" });
  // The run in flight: answers of a run that was stopped or replaced are dropped.
  const current = useRef<string | null>(null);
  const start = () => {
    const task = taskName("host-checks");
    current.current = task;
    const results: Partial<Record<CheckId, CheckResult>> = {};
    const mine = () => current.current === task;
    setRun({ state: "running", results: {} });
    backend
      .hostPreflight(context, task, (result) => {
        results[result.id] = result;
        if (mine()) setRun({ state: "running", results: { ...results } });
      })
      .then(
        (all) => mine() && setRun({ state: "done", results: Object.fromEntries(all.map((r) => [r.id, r])) }),
        (thrown) => mine() && setRun({ state: "error", error: toBackendError(thrown) }),
      );
  };
  // Only reads: stopping them leaves nothing behind.
  const cancel = () => {
    const task = current.current;
    if (!task || run.state !== "running") return;
    current.current = null;
    setRun({ state: "cancelled", results: run.results });
    void backend.cancelTask(task).catch(() => undefined);
  };
  const running = run.state === "running";
  const results = run.state === "idle" || run.state === "error" ? null : run.results;
  const failed = results ? Object.values(results).filter((r) => r?.verdict === "fail").length : 0;
  return (
    <section className="host-checks" aria-labelledby="host-checks-title">
      <header>
        <h3 id="host-checks-title">{t("host.title", { context })}</h3>
        <button type="button" className="primary" onClick={start} disabled={running} aria-busy={running}>
          {running ? t("host.running") : run.state === "idle" ? t("host.run") : t("host.rerun")}
        </button>
        {running && (
          <button type="button" className="ghost" onClick={cancel} data-testid="cancel-checks">
            {t("host.cancel")}
          </button>
        )}
      </header>
      {run.state === "cancelled" && (
        <p className="muted" role="status" data-testid="checks-cancelled">
          {t("host.cancelled")}
        </p>
      )}
      {run.state === "error" && <ErrorNotice error={run.error} title={t("host.couldNotRun")} />}
      {run.state === "done" && (
        <p className={failed > 0 ? "warning" : "ok"} role="status">
          {failed > 0 ? t("host.failed", { count: failed }) : t("host.ready")}
        </p>
      )}
      {results && (
        <ol className="checks" aria-live="polite">
          {CHECKS.filter((id) => running || results[id]).map((id) => (
            <CheckRow key={id} id={id} result={results[id]} />
          ))}
        </ol>
      )}
    </section>
  );
}

function CheckRow({ id, result }: { id: CheckId; result?: CheckResult }) {
  const { t } = useTranslation();
  const verdict: Verdict | "pending" = result?.verdict ?? "pending";
  return (
    <li className={`check ${verdict}`} data-check={id} data-verdict={verdict}>
      <span className="badge">{t(`host.verdict.${verdict}`)}</span> <strong>{t(`host.checks.${id}`)}</strong>
      {result && (
        <>
          <p>{result.summary}</p>
          {result.fix && (
            <p className="hint">
              <span className="muted">{t("host.fix")}: </span>
              {result.fix}
            </p>
          )}
          {result.evidence.length > 0 && (
            <details>
              <summary>{t("host.evidence")}</summary>
              <ul>
                {result.evidence.map((line) => (
                  <li key={line}>
                    <code>{line}</code>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </li>
  );
}
