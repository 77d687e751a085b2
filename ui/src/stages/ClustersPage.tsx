import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError, type ClusterSummary, type JoinRecord, type Stage } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";
import HistoryPanel from "./HistoryPanel";
import MemberMissing from "./MemberMissing";
import RemoveClusterDialog from "./RemoveClusterDialog";

type Load<T> = { value: T } | { error: BackendError } | null;

/** The host's clusters, the joins made from this computer, removal of a member, and the
 * history of changes made from this computer (the audit log). */
export default function ClustersPage({ host, member, onNavigate }: { host: string; member: string | null; onNavigate: (stage: Stage) => void }) {
  const { t, i18n } = useTranslation();
  const [clusters, setClusters] = useState<Load<ClusterSummary[]>>(null);
  const [records, setRecords] = useState<Load<JoinRecord[]>>(null);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    setLoading(true);
    const listed = backend.listClusters(host).then(
      (value) => alive && setClusters({ value }),
      (thrown) => alive && setClusters({ error: toBackendError(thrown) }),
    );
    const recorded = backend.joinRecords(host).then(
      (value) => alive && setRecords({ value }),
      (thrown) => alive && setRecords({ error: toBackendError(thrown) }),
    );
    void Promise.allSettled([listed, recorded]).then(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
  }, [host, version]);

  const joins = records && "value" in records ? records.value : [];
  // Removal cleans the member the join was made with; without a record, the chosen member.
  const memberFor = (cluster: string) => joins.find((r) => r.cluster === cluster)?.memberContext ?? member;
  const list = clusters && "value" in clusters ? clusters.value : null;
  const date = (ms: number | null) => (ms == null ? "—" : new Date(ms).toLocaleString(i18n.language));

  return (
    <>
      <section className="clusters" aria-labelledby="clusters-title" data-testid="clusters">
        <header>
          <h3 id="clusters-title">{t("clusters.title", { context: host })}</h3>
          <button type="button" onClick={() => setVersion((n) => n + 1)} disabled={loading} aria-busy={loading} data-testid="refresh-clusters">
            {t("clusters.refresh")}
          </button>
        </header>
        {!member && <MemberMissing onNavigate={onNavigate} why={t("clusters.memberMissing")} />}
        <Pending active={loading} label={t("clusters.loading")} testId="clusters-loading" />
        {clusters && "error" in clusters && <ErrorNotice error={clusters.error} title={t("clusters.failed")} />}
        {list && list.length === 0 && <p className="muted">{t("clusters.none")}</p>}
        {list && list.length > 0 && (
          <div className="table-scroll">
            <table className="data-table clusters-table" data-testid="clusters-table" aria-busy={loading}>
              <thead>
                <tr>
                  <th scope="col">{t("clusters.columns.cluster")}</th>
                  <th scope="col">{t("clusters.columns.status")}</th>
                  <th scope="col">{t("clusters.columns.provider")}</th>
                  <th scope="col">{t("clusters.columns.versions")}</th>
                  <th scope="col">{t("clusters.columns.joinedHere")}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t("clusters.columns.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((cluster) => (
                  <tr key={cluster.name} data-cluster={cluster.name} data-ready={cluster.ready}>
                    <th scope="row">
                      <span className="context-name">
                        {cluster.name}
                        {cluster.host && <span className="badge imported">{t("clusters.hostBadge")}</span>}
                      </span>
                      {cluster.alias && <span className="secondary">{cluster.alias}</span>}
                      {cluster.description && <span className="secondary">{cluster.description}</span>}
                      {cluster.tags.length > 0 && (
                        <ul className="chips" aria-label={t("clusters.tags")} data-testid="cluster-tags">
                          {cluster.tags.map((tag) => (
                            <li key={`${tag.key}=${tag.value}`} className="chip">
                              {tag.key}={tag.value}
                            </li>
                          ))}
                        </ul>
                      )}
                    </th>
                    <td>
                      <span data-testid="cluster-status">
                        {cluster.deleting ? (
                          <span className="badge warning">{t("clusters.deleting")}</span>
                        ) : cluster.ready ? (
                          <span className="badge ready">{t("clusters.ready")}</span>
                        ) : (
                          <span className="badge warning">{t(`clusters.steps.${cluster.step}`)}</span>
                        )}
                      </span>
                      <span className="secondary" data-testid="cluster-connection">
                        {t(`clusters.connections.${cluster.connection}`, { defaultValue: cluster.connection })}
                      </span>
                    </td>
                    <td>
                      {cluster.provider || "—"}
                      <span className="secondary" data-testid="cluster-group">
                        {cluster.group ? t(`addCluster.group.${cluster.group}`, { defaultValue: cluster.group }) : ""}
                      </span>
                    </td>
                    <td>
                      <span className="version">{t("clusters.kubesphere", { version: cluster.kubesphereVersion ?? "—" })}</span>
                      <span className="version">{t("clusters.kubernetes", { version: cluster.kubernetesVersion ?? "—" })}</span>
                      {cluster.nodeCount != null && <span className="version secondary">{t("clusters.nodes", { count: cluster.nodeCount })}</span>}
                    </td>
                    <td>{cluster.joinedHere ? t("clusters.yes") : "—"}</td>
                    <td className="row-actions">
                      {!cluster.host && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => setRemoving(cluster.name)}
                          disabled={cluster.deleting}
                          aria-label={t("clusters.removeFor", { name: cluster.name })}
                          data-action="remove"
                        >
                          {t("clusters.remove")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        <section className="join-history" aria-labelledby="join-history-title">
          <h4 id="join-history-title">{t("clusters.history.title")}</h4>
          {records && "error" in records && <ErrorNotice error={records.error} title={t("clusters.history.failed")} />}
          {records && "value" in records && joins.length === 0 && <p className="muted">{t("clusters.history.none")}</p>}
          {joins.length > 0 && (
            <div className="table-scroll">
              <table className="data-table" data-testid="join-history">
                <thead>
                  <tr>
                    <th scope="col">{t("clusters.history.cluster")}</th>
                    <th scope="col">{t("clusters.history.member")}</th>
                    <th scope="col">{t("clusters.history.phase")}</th>
                    <th scope="col">{t("clusters.history.started")}</th>
                    <th scope="col">{t("clusters.history.updated")}</th>
                  </tr>
                </thead>
                <tbody>
                  {joins.map((record) => (
                    <tr key={record.cluster} data-record={record.cluster} data-phase={record.phase}>
                      <td>{record.cluster}</td>
                      <td>{record.memberContext ?? "—"}</td>
                      <td>{t(`join.phases.${record.phase}`)}</td>
                      <td>{date(record.createdUnixMs)}</td>
                      <td>{date(record.updatedUnixMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        {removing && (
          <RemoveClusterDialog
            host={host}
            member={memberFor(removing)}
            cluster={removing}
            onClose={(removed) => {
              setRemoving(null);
              if (removed) setVersion((n) => n + 1);
            }}
          />
        )}
      </section>
      {/* The audit log is this machine's, not the host's: every context, every cluster. */}
      <HistoryPanel reload={version} />
    </>
  );
}
