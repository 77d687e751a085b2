import { Fragment, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type AuditAction, type AuditEntry, type AuditLog, type AuditResult, type BackendError } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";

type Load = { value: AuditLog } | { error: BackendError } | null;

/** The actions the log knows, in the order the filter offers them. */
const ACTIONS: readonly AuditAction[] = [
  "proxy-address-set",
  "proxy-address-restore",
  "ks-apiserver-restart",
  "cluster-add",
  "agent-apply",
  "cluster-remove",
] satisfies AuditAction[];
/** The hash prefix shown in a row's detail (the full hash is its title). */
const HASH_PREFIX = 12;

/** What the app and the CLI changed on clusters from this machine: the local audit log,
 * with whether its hash chain is intact. `reload` (bumped by the page) reads it again. */
export default function HistoryPanel({ reload = 0 }: { reload?: number }) {
  const { t } = useTranslation();
  const [log, setLog] = useState<Load>(null);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [cluster, setCluster] = useState("");
  const [action, setAction] = useState<AuditAction | "">("");
  const [result, setResult] = useState<AuditResult | "">("");
  const [search, setSearch] = useState("");

  useEffect(() => {
    let alive = true;
    setLoading(true);
    backend
      .auditLog()
      .then(
        (value) => alive && setLog({ value }),
        (thrown) => alive && setLog({ error: toBackendError(thrown) }),
      )
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
  }, [reload, version]);

  const value = log && "value" in log ? log.value : null;
  // Rust reads the file in order, oldest first: the newest change comes first here.
  const newestFirst = useMemo(() => (value ? [...value.entries].reverse() : []), [value]);
  const clusters = useMemo(() => {
    const names = new Set(newestFirst.flatMap((entry) => (entry.cluster ? [entry.cluster] : [])));
    // A chosen cluster stays on offer after a refresh that no longer has it.
    if (cluster) names.add(cluster);
    return [...names].sort((a, b) => a.localeCompare(b));
  }, [newestFirst, cluster]);
  const needle = search.trim().toLowerCase();
  const shown = newestFirst.filter(
    (entry) =>
      (!cluster || entry.cluster === cluster) &&
      (!action || entry.action === action) &&
      (!result || entry.result === result) &&
      (!needle || [...entry.changes, entry.context, entry.user ?? "", entry.error ?? ""].some((text) => text.toLowerCase().includes(needle))),
  );
  const filtered = cluster !== "" || action !== "" || result !== "" || needle !== "";
  const clearFilters = () => {
    setCluster("");
    setAction("");
    setResult("");
    setSearch("");
  };

  return (
    <section className="history" aria-labelledby="history-title" data-testid="history">
      <header>
        <h3 id="history-title">{t("history.title")}</h3>
        <button type="button" onClick={() => setVersion((n) => n + 1)} disabled={loading} aria-busy={loading} data-testid="refresh-history">
          {t("history.refresh")}
        </button>
      </header>
      <Pending active={loading} label={t("history.loading")} testId="history-loading" />
      {log && "error" in log && <ErrorNotice error={log.error} title={t("history.failed")} />}
      {value && <IntegrityBanner log={value} />}
      {value && value.entries.length === 0 && (
        <p className="muted" data-testid="history-empty">
          {value.integrity.state === "intact" ? t("history.empty") : t("history.noneReadable")}
        </p>
      )}
      {value && value.entries.length > 0 && (
        <>
          <div className="history-filters" role="search" aria-label={t("history.filters.label")}>
            <label>
              {t("history.filters.cluster")}
              <select value={cluster} onChange={(event) => setCluster(event.target.value)} data-testid="history-cluster">
                <option value="">{t("history.filters.all")}</option>
                {clusters.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("history.filters.action")}
              <select value={action} onChange={(event) => setAction(event.target.value as AuditAction | "")} data-testid="history-action">
                <option value="">{t("history.filters.all")}</option>
                {ACTIONS.map((name) => (
                  <option key={name} value={name}>
                    {t(`history.actions.${name}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("history.filters.result")}
              <select value={result} onChange={(event) => setResult(event.target.value as AuditResult | "")} data-testid="history-result">
                <option value="">{t("history.filters.all")}</option>
                <option value="ok">{t("history.results.ok")}</option>
                <option value="failed">{t("history.results.failed")}</option>
              </select>
            </label>
            <label className="history-search">
              {t("history.filters.search")}
              <input
                type="search"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
                placeholder={t("history.filters.searchPlaceholder")}
                spellCheck={false}
                autoComplete="off"
                data-testid="history-search"
              />
            </label>
            {filtered && (
              <button type="button" className="ghost" onClick={clearFilters}>
                {t("history.filters.clear")}
              </button>
            )}
          </div>
          <p className="secondary-text history-count" aria-live="polite" data-testid="history-count">
            {t("history.count", { shown: shown.length, total: newestFirst.length })}
          </p>
          {shown.length === 0 ? (
            <p className="muted" data-testid="history-no-match">
              {t("history.noMatch")}
            </p>
          ) : (
            <EntryTable entries={shown} />
          )}
        </>
      )}
    </section>
  );
}

function IntegrityBanner({ log }: { log: AuditLog }) {
  const { t } = useTranslation();
  const { integrity } = log;
  if (integrity.state === "intact") {
    return (
      <p className="secondary-text history-integrity" data-testid="audit-integrity" data-state="intact">
        {t("history.intact", { count: integrity.entries ?? log.entries.length })} <code>{log.path}</code>
      </p>
    );
  }
  return (
    <div className="error-notice history-broken" role="alert" data-testid="audit-integrity" data-state="broken">
      <strong>{t("history.broken.title", { line: integrity.line ?? "?", problem: integrity.problem })}</strong>
      <p>{t("history.broken.hidden")}</p>
      <p className="hint">{t("history.broken.what", { path: log.path })}</p>
    </div>
  );
}

function EntryTable({ entries }: { entries: AuditEntry[] }) {
  const { t } = useTranslation();
  // Open details by hash: each entry's is unique, and survives filtering and refresh.
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (hash: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(hash)) next.add(hash);
      return next;
    });

  return (
    <div className="table-scroll">
      <table className="data-table history-table" data-testid="history-table">
        <thead>
          <tr>
            <th scope="col">{t("history.columns.time")}</th>
            <th scope="col">{t("history.columns.action")}</th>
            <th scope="col">{t("history.columns.cluster")}</th>
            <th scope="col">{t("history.columns.who")}</th>
            <th scope="col">{t("history.columns.result")}</th>
            <th scope="col">
              <span className="visually-hidden">{t("history.columns.details")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const expanded = open.has(entry.hash);
            const detailId = `history-detail-${entry.hash.slice(0, HASH_PREFIX)}`;
            return (
              <Fragment key={entry.hash}>
                <tr
                  data-seq={entry.seq ?? undefined}
                  data-action={entry.action}
                  data-cluster={entry.cluster ?? undefined}
                  data-result={entry.result}
                  data-dry-run={entry.dryRun}
                >
                  <td className="history-time">
                    <EntryTime time={entry.time} />
                    <span className="secondary">
                      <Program program={entry.program} />
                    </span>
                  </td>
                  <td className="history-what">
                    <span className="history-action">{t(`history.actions.${entry.action}`, { defaultValue: entry.action })}</span>
                    {entry.dryRun && <span className="badge warning">{t("history.dryRun")}</span>}
                    {entry.changes.length > 0 && (
                      <ul className="history-changes" aria-label={t("history.columns.changes")}>
                        {entry.changes.map((change, index) => (
                          <li key={index}>{change}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{entry.cluster ?? "—"}</td>
                  <td>
                    <span className="history-context">{entry.context}</span>
                    {entry.user && <span className="secondary">{t("history.asUser", { user: entry.user })}</span>}
                  </td>
                  <td>
                    {entry.result === "ok" ? (
                      <span className="badge ready">{t("history.results.ok")}</span>
                    ) : (
                      <>
                        <span className="badge result-failed">{t("history.results.failed")}</span>
                        {entry.error && <span className="history-error">{entry.error}</span>}
                      </>
                    )}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="ghost"
                      onClick={() => toggle(entry.hash)}
                      aria-expanded={expanded}
                      aria-controls={expanded ? detailId : undefined}
                      aria-label={t("history.detailsFor", { seq: entry.seq ?? "?" })}
                    >
                      {expanded ? t("history.hide") : t("history.show")}
                    </button>
                  </td>
                </tr>
                {expanded && (
                  <tr className="history-detail" id={detailId} data-detail-of={entry.seq ?? undefined}>
                    <td colSpan={6}>
                      <EntryDetail entry={entry} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Local time to read; the UTC value as written in the log on hover. */
function EntryTime({ time }: { time: string }) {
  const { i18n } = useTranslation();
  const date = new Date(time);
  const local = Number.isNaN(date.getTime()) ? time : date.toLocaleString(i18n.language);
  return (
    <time dateTime={time} title={time}>
      {local}
    </time>
  );
}

function Program({ program }: { program: string }) {
  const { t } = useTranslation();
  if (program === "ks-onboard") return <>{t("history.programs.app")}</>;
  if (program === "ks-onboard-cli") return <>{t("history.programs.cli")}</>;
  return <code>{program}</code>;
}

function EntryDetail({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  const undo = entry.undo;
  const copyUndo = (command: string) => {
    // Not a secret: an undo command names contexts and clusters only.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(command))
      .then(
        () => setCopy("copied"),
        () => setCopy("failed"),
      );
  };

  return (
    <div className="history-detail-body">
      <h4>{t("history.undo")}</h4>
      {entry.dryRun ? (
        <p className="muted">{t("history.dryRunNoUndo")}</p>
      ) : undo ? (
        <>
          {entry.result === "failed" && <p className="warning">{t("history.failedUndo")}</p>}
          <div className="history-undo">
            <code data-testid="history-undo">{undo}</code>
            <button type="button" className="ghost" onClick={() => copyUndo(undo)}>
              {t("history.copy")}
            </button>
            <span aria-live="polite" className="secondary">
              {copy === "copied" && t("history.copied")}
              {copy === "failed" && t("history.copyFailed")}
            </span>
          </div>
        </>
      ) : (
        <p className="muted">{t("history.noUndo")}</p>
      )}
      <p className="secondary" data-testid="history-hash">
        {t("history.entry", { seq: entry.seq ?? "?" })} · {t("history.hash")}{" "}
        <code title={entry.hash}>{entry.hash.slice(0, HASH_PREFIX)}</code>
      </p>
    </div>
  );
}
