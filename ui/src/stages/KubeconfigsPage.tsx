import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { observeElementRect, useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
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
import Pending from "../components/Pending";
import { ConnectionTests } from "./ConnectionTest";
import ContextDetailsButton from "./ContextDetails";

/** Every row has this height (CSS clips its lines to it): fixed sizes keep 50,000 rows cheap. */
export const ROW_HEIGHT = 68;
/** Before layout (and in tests, which have none) the list has no height yet: assume this one. */
const FALLBACK_VIEWPORT = { width: 960, height: 640 };

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

  const contexts = load && "summary" in load ? load.summary.contexts : NO_CONTEXTS;
  // Lower-cased once per load, not once per keystroke; fields joined by a line break, which
  // a search term cannot contain, so a match never spans two fields.
  const haystacks = useMemo(
    () => contexts.map((c) => [c.name, c.cluster, c.server ?? "", c.user, c.namespace].join("\n").toLowerCase()),
    [contexts],
  );
  // Typing stays responsive at 50,000 contexts: React filters with the deferred term in the
  // background and drops work made stale by the next keystroke.
  const needle = useDeferredValue(query.trim().toLowerCase());
  const matches = useMemo(
    () => (needle ? contexts.filter((_, index) => haystacks[index]!.includes(needle)) : contexts),
    [contexts, haystacks, needle],
  );

  const assign = (role: Role, context: string) => {
    setRefused(null);
    backend.assignRole(role, context).then(onStatus, (thrown) => setRefused(toBackendError(thrown)));
  };

  if (load === null) return <Pending active label={t("kubeconfigs.loading")} testId="kubeconfigs-loading" />;
  if ("error" in load) return <ErrorNotice error={load.error} title={t("kubeconfigs.loadFailed")} />;
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
          aria-controls="context-list"
          data-testid="context-search"
        />
        <span className="muted" role="status" data-testid="context-count">
          {t("kubeconfigs.count", { shown: matches.length, total: contexts.length })}
        </span>
      </div>
      {refused && <ErrorNotice error={refused} title={t("kubeconfigs.refused")} />}
      <ContextList contexts={matches} stale={needle !== query.trim().toLowerCase()} status={status} onAssign={assign}
        onRemoved={(next) => {
          onStatus(next);
          onContextsChanged();
        }}
      />
      <ConnectionTests status={status} />
    </section>
  );
}

const NO_CONTEXTS: ContextSummary[] = [];

/** Only the rows in view (and a few around them) are in the DOM. Arrow keys, Page Up/Down,
 * Home and End move between rows; Tab goes on to the row's buttons. */
function ContextList({
  contexts,
  stale,
  status,
  onAssign,
  onRemoved,
}: {
  contexts: ContextSummary[];
  stale: boolean;
  status: AppStatus;
  onAssign: (role: Role, context: string) => void;
  onRemoved: (status: AppStatus) => void;
}) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const focusWanted = useRef(false);
  const virtualizer = useVirtualizer({
    count: contexts.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: FALLBACK_VIEWPORT,
    observeElementRect: (instance: Virtualizer<HTMLDivElement, Element>, report) =>
      observeElementRect(instance, (rect) => report(rect.height > 0 ? rect : FALLBACK_VIEWPORT)),
  });
  const current = Math.min(active, Math.max(contexts.length - 1, 0));

  // After a key moved the active row, focus it once it is rendered.
  useEffect(() => {
    if (!focusWanted.current) return;
    const row = scroller.current?.querySelector<HTMLElement>(`tr[data-index="${current}"]`);
    if (row) {
      row.focus();
      focusWanted.current = false;
    }
  });

  const move = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    if (!(event.target instanceof HTMLTableRowElement)) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight || FALLBACK_VIEWPORT.height) / ROW_HEIGHT) - 1);
    const last = contexts.length - 1;
    const next = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: last,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = Math.min(Math.max(next, 0), last);
    virtualizer.scrollToIndex(target);
    focusWanted.current = true;
    setActive(target);
  };

  const rows = virtualizer.getVirtualItems();
  return (
    <div className="table-scroll context-scroll" ref={scroller} id="context-list" aria-busy={stale}>
      <table className="context-table" role="table" aria-rowcount={contexts.length + 1}>
        <thead role="rowgroup">
          <tr role="row" aria-rowindex={1}>
            <th scope="col" role="columnheader">{t("kubeconfigs.columns.context")}</th>
            <th scope="col" role="columnheader">{t("kubeconfigs.columns.server")}</th>
            <th scope="col" role="columnheader">{t("kubeconfigs.columns.role")}</th>
          </tr>
        </thead>
        <tbody role="rowgroup" style={{ height: virtualizer.getTotalSize() }} onKeyDown={move}>
          {rows.map((row) => {
            const context = contexts[row.index]!;
            return (
              <ContextRow
                key={context.name}
                index={row.index}
                top={row.start}
                active={row.index === current}
                onFocus={() => setActive(row.index)}
                context={context}
                status={status}
                onAssign={onAssign}
                onRemoved={onRemoved}
              />
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function ContextRow({
  index,
  top,
  active,
  onFocus,
  context,
  status,
  onAssign,
  onRemoved,
}: {
  index: number;
  top: number;
  active: boolean;
  onFocus: () => void;
  context: ContextSummary;
  status: AppStatus;
  onAssign: (role: Role, context: string) => void;
  onRemoved: (status: AppStatus) => void;
}) {
  const { t } = useTranslation();
  const isHost = status.hostContext === context.name;
  const isMember = status.memberContext === context.name;
  return (
    <tr
      role="row"
      data-context={context.name}
      data-index={index}
      aria-rowindex={index + 2}
      tabIndex={active ? 0 : -1}
      onFocus={(event) => event.target === event.currentTarget && onFocus()}
      style={{ transform: `translateY(${top}px)` }}
      className={isHost || isMember ? "assigned" : undefined}
    >
      <th scope="row" role="rowheader">
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
      <td role="cell">
        {context.server ?? <span className="warning">{t("kubeconfigs.missingCluster", { cluster: context.cluster })}</span>}
        <span className="secondary">
          {authLabel(context.auth, t)}
          {context.insecure && <span className="badge warning">{t("kubeconfigs.insecure")}</span>}
        </span>
      </td>
      <td role="cell" className="role-actions">
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
