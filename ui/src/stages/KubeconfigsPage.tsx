import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  backend,
  toBackendError,
  type AppStatus,
  type AuthKind,
  type BackendError,
  type ContextSummary,
  type KubeconfigSummary,
  type Role,
} from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import ContextDetailsButton from "./ContextDetails";

/** Rows drawn at once; typing in the search narrows the list (a virtualised list comes later). */
const MAX_ROWS = 200;

type Load = { summary: KubeconfigSummary } | { error: BackendError } | null;

/** The contexts of the kubeconfig files, to pick the host and the member from. Reads files
 * only: no cluster is contacted here. */
export default function KubeconfigsPage({
  status,
  onStatus,
  onContextsChanged,
}: {
  status: AppStatus;
  onStatus: (status: AppStatus) => void;
  /** Contexts were removed: the list must be read again. */
  onContextsChanged: () => void;
}) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<Load>(null);
  const [query, setQuery] = useState("");
  const [refused, setRefused] = useState<BackendError | null>(null);

  useEffect(() => {
    backend.kubeconfigSummary().then(
      (summary) => setLoad({ summary }),
      (thrown) => setLoad({ error: toBackendError(thrown) }),
    );
  }, []);

  const matches = useMemo(() => {
    if (!load || !("summary" in load)) return [];
    const needle = query.trim().toLowerCase();
    return load.summary.contexts.filter((c) =>
      [c.name, c.cluster, c.server ?? "", c.user, c.namespace].some((field) => field.toLowerCase().includes(needle)),
    );
  }, [load, query]);

  const assign = (role: Role, context: string) => {
    setRefused(null);
    backend.assignRole(role, context).then(onStatus, (thrown) => setRefused(toBackendError(thrown)));
  };

  if (load === null) return <p className="muted">{t("kubeconfigs.loading")}</p>;
  if ("error" in load) return <ErrorNotice error={load.error} title={t("kubeconfigs.loadFailed")} />;
  const { contexts } = load.summary;
  if (contexts.length === 0) {
    return (
      <section className="empty-state">
        <h3>{t("stages.kubeconfigs.empty.title")}</h3>
        <p>{t("kubeconfigs.noContexts")}</p>
      </section>
    );
  }

  return (
    <section className="contexts" aria-label={t("kubeconfigs.listLabel")}>
      <div className="toolbar">
        <input
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder={t("kubeconfigs.search")}
          aria-label={t("kubeconfigs.search")}
          data-testid="context-search"
        />
        <span className="muted">{t("kubeconfigs.count", { shown: Math.min(matches.length, MAX_ROWS), total: contexts.length })}</span>
      </div>
      {refused && <ErrorNotice error={refused} title={t("kubeconfigs.refused")} />}
      <div className="table-scroll">
        <table className="context-table">
          <thead>
            <tr>
              <th scope="col">{t("kubeconfigs.columns.context")}</th>
              <th scope="col">{t("kubeconfigs.columns.server")}</th>
              <th scope="col">{t("kubeconfigs.columns.role")}</th>
            </tr>
          </thead>
          <tbody>
            {matches.slice(0, MAX_ROWS).map((context) => (
              <ContextRow
                key={context.name}
                context={context}
                status={status}
                onAssign={assign}
                onRemoved={(next) => {
                  onStatus(next);
                  onContextsChanged();
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
      {matches.length > MAX_ROWS && <p className="muted">{t("kubeconfigs.narrow", { max: MAX_ROWS })}</p>}
    </section>
  );
}

function ContextRow({
  context,
  status,
  onAssign,
  onRemoved,
}: {
  context: ContextSummary;
  status: AppStatus;
  onAssign: (role: Role, context: string) => void;
  onRemoved: (status: AppStatus) => void;
}) {
  const { t } = useTranslation();
  const isHost = status.hostContext === context.name;
  const isMember = status.memberContext === context.name;
  return (
    <tr data-context={context.name} className={isHost || isMember ? "assigned" : undefined}>
      <th scope="row">
        <span className="context-name">
          {context.name}
          {context.imported && <span className="badge imported">{t("kubeconfigs.imported")}</span>}
        </span>
        <span className="secondary">
          {t("kubeconfigs.namespace", { namespace: context.namespace || "default" })}
        </span>
        {context.file && (
          <span className="secondary file" title={context.file}>
            {context.file}
          </span>
        )}
      </th>
      <td>
        {context.server ?? <span className="warning">{t("kubeconfigs.missingCluster", { cluster: context.cluster })}</span>}
        <span className="secondary">
          {authLabel(context.auth, t)}
          {context.insecure && <span className="badge warning">{t("kubeconfigs.insecure")}</span>}
        </span>
      </td>
      <td className="role-actions">
        <button type="button" className={isHost ? "role on" : "role"} aria-pressed={isHost} onClick={() => onAssign("host", context.name)}>
          {t("kubeconfigs.host")}
        </button>
        <button type="button" className={isMember ? "role on" : "role"} aria-pressed={isMember} onClick={() => onAssign("member", context.name)}>
          {t("kubeconfigs.member")}
        </button>
        <ContextDetailsButton context={context.name} onRemoved={onRemoved} />
      </td>
    </tr>
  );
}

export function authLabel(auth: AuthKind, t: (key: string, options?: Record<string, string>) => string): string {
  switch (auth.kind) {
    case "exec":
      return t("kubeconfigs.auth.exec", { command: auth.command });
    case "authProvider":
      return t("kubeconfigs.auth.authProvider", { name: auth.name });
    default:
      return t(`kubeconfigs.auth.${auth.kind}`);
  }
}
