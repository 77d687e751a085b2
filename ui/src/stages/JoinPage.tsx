import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError, type JoinRecord, type JoinSnapshot, type Stage } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending, { useDelayed } from "../components/Pending";
import { useFlow } from "../flow";
import { AgentManifest, PlanAndApply, type ManifestLoad } from "./JoinAgent";
import { Conditions, Diagnoses, StepTrack, Timeline, stepIndex, type TimelineItem } from "./JoinTimeline";
import MemberMissing from "./MemberMissing";
import RemoveClusterDialog from "./RemoveClusterDialog";

type RecordsLoad = { records: JoinRecord[] } | { error: BackendError } | null;

/** Which cluster joins: the one just created, else the newest unfinished join this machine
 * made on the host (resumed by itself after a restart), or the one chosen in the list. */
export default function JoinPage({ host, member, onNavigate }: { host: string; member: string | null; onNavigate: (stage: Stage) => void }) {
  const { t } = useTranslation();
  const { currentCluster, setCurrentCluster } = useFlow();
  const [load, setLoad] = useState<RecordsLoad>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let alive = true;
    backend.joinRecords(host).then(
      (records) => alive && setLoad({ records }),
      (thrown) => alive && setLoad({ error: toBackendError(thrown) }),
    );
    return () => {
      alive = false;
    };
  }, [host, version]);

  const records = load && "records" in load ? load.records : [];
  const open = records.filter((record) => record.phase !== "removed");
  const chosen = currentCluster?.host === host ? currentCluster.cluster : null;
  const chosenRemoved = chosen !== null && records.some((record) => record.cluster === chosen && record.phase === "removed");
  const resumable = open.find((record) => record.phase !== "ready")?.cluster ?? null;
  const cluster = load === null ? null : chosen && !chosenRemoved ? chosen : resumable;
  const record = records.find((r) => r.cluster === cluster) ?? null;
  const choices = [...open.map((r) => r.cluster), ...(cluster && !open.some((r) => r.cluster === cluster) ? [cluster] : [])];
  const phaseOf = (name: string) => records.find((r) => r.cluster === name)?.phase ?? "created";

  return (
    <section className="join" aria-labelledby="join-title" data-testid="join">
      <header>
        <h3 id="join-title">{t("join.title", { context: host })}</h3>
        {(choices.length > 1 || (cluster === null && choices.length > 0)) && (
          <span className="cluster-choice">
            <label htmlFor="join-cluster">{t("join.choose")}</label>
            <select
              id="join-cluster"
              value={cluster ?? ""}
              onChange={(event) => setCurrentCluster(event.target.value ? { host, cluster: event.target.value } : null)}
            >
              {cluster === null && <option value="">{t("join.chooseNone")}</option>}
              {choices.map((name) => (
                <option key={name} value={name}>
                  {t("join.choice", { name, phase: t(`join.phases.${phaseOf(name)}`) })}
                </option>
              ))}
            </select>
          </span>
        )}
      </header>
      <Pending active={load === null} label={t("join.loadingRecords")} />
      {load && "error" in load && <ErrorNotice error={load.error} title={t("join.recordsFailed")} />}
      {cluster ? (
        <JoinSession
          key={cluster}
          host={host}
          // The member the join was started with, else the one chosen now.
          member={record?.memberContext ?? member}
          cluster={cluster}
          readyBefore={record?.phase === "ready"}
          onNavigate={onNavigate}
          onRemoved={() => {
            setCurrentCluster(null);
            setVersion((n) => n + 1);
          }}
        />
      ) : (
        load && (
          <section className="empty-state" aria-labelledby="join-empty-title" data-testid="join-empty">
            <h3 id="join-empty-title">{t("stages.join.empty.title")}</h3>
            <p>{t(choices.length > 0 ? "join.allJoined" : "stages.join.empty.body")}</p>
            <button type="button" className="primary" onClick={() => onNavigate("add-cluster")}>
              {t("stages.join.empty.action")}
            </button>
          </section>
        )
      )}
    </section>
  );
}

type Watch = "watching" | "stopping" | "stopped" | "ready";

/** One cluster's join: watched from the moment the page shows it. */
function JoinSession({
  host,
  member,
  cluster,
  readyBefore,
  onNavigate,
  onRemoved,
}: {
  host: string;
  member: string | null;
  cluster: string;
  readyBefore: boolean;
  onNavigate: (stage: Stage) => void;
  onRemoved: () => void;
}) {
  const { t } = useTranslation();
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [snapshot, setSnapshot] = useState<JoinSnapshot | null>(null);
  const [watch, setWatch] = useState<Watch>("watching");
  const [watchError, setWatchError] = useState<BackendError | null>(null);
  const [manifest, setManifest] = useState<ManifestLoad>(null);
  const [manifestBusy, setManifestBusy] = useState(false);
  const [removing, setRemoving] = useState(false);
  // Each watch has a number; updates of a replaced or unmounted one are dropped.
  const watchNumber = useRef(0);
  const alive = useRef(true);
  const manifestAsked = useRef(false);

  const startWatch = useCallback(() => {
    const mine = ++watchNumber.current;
    const current = () => alive.current && mine === watchNumber.current;
    setWatch("watching");
    setWatchError(null);
    backend
      .watchJoin(host, member, cluster, (update) => {
        if (!current()) return;
        if (update.type === "entry") setItems((list) => [...list, { kind: "entry", entry: update.entry }]);
        else setSnapshot(update.snapshot);
      })
      .then(
        (last) => {
          if (!current()) return;
          if (last) setSnapshot(last);
          setWatch(last?.ready ? "ready" : "stopped");
        },
        (thrown) => {
          if (!current()) return;
          setWatchError(toBackendError(thrown));
          setWatch("stopped");
        },
      );
  }, [host, member, cluster]);

  // Resume on mount. Leaving the page does not stop Rust's watch (a stop racing the next
  // page's watch could end that one); a new watch of the cluster replaces it anyway.
  useEffect(() => {
    alive.current = true;
    startWatch();
    return () => {
      alive.current = false;
    };
  }, [startWatch]);

  const resume = () => {
    setItems((list) => [...list, { kind: "resumed", atUnixMs: Date.now() }]);
    startWatch();
  };
  const stop = () => {
    setWatch("stopping");
    backend.stopJoinWatch(cluster).catch((thrown) => {
      setWatchError(toBackendError(thrown));
      setWatch("watching");
    });
  };

  const fetchManifest = useCallback(async () => {
    manifestAsked.current = true;
    setManifestBusy(true);
    try {
      setManifest({ view: await backend.agentManifest(host, cluster) });
    } catch (thrown) {
      setManifest({ error: toBackendError(thrown) });
    } finally {
      setManifestBusy(false);
    }
  }, [host, cluster]);

  const ready = snapshot?.ready ?? false;
  const reached = snapshot ? stepIndex(snapshot.step) : readyBefore ? 4 : 0;
  // tower has initialized the Cluster: agent.yaml exists now; read it once by itself.
  useEffect(() => {
    if (reached >= 1 && !manifestAsked.current) void fetchManifest();
  }, [reached, fetchManifest]);

  const watching = watch === "watching" || watch === "stopping";
  const slowStart = useDelayed(watching && snapshot === null);

  return (
    <div className="join-session" data-cluster={cluster} data-testid="join-session">
      <div className="join-toolbar">
        <p className="join-cluster">
          {t("join.cluster")} <strong data-testid="join-cluster-name">{cluster}</strong>
          {member && <span className="secondary">{t("join.member", { member })}</span>}
        </p>
        <span className="watch-state" data-testid="watch-state" data-state={watch} aria-busy={watching}>
          {watching && <span className="spinner" aria-hidden="true" />}
          {t(`join.watch.${watch}`)}
        </span>
        {watching ? (
          <button type="button" onClick={stop} disabled={watch === "stopping"} data-testid="stop-watch">
            {t("join.watch.stop")}
          </button>
        ) : (
          <button type="button" onClick={resume} data-testid="resume-watch">
            {t("join.watch.resume")}
          </button>
        )}
        <button type="button" className="danger" onClick={() => setRemoving(true)} data-testid="rollback-join">
          {t("join.rollback")}
        </button>
      </div>
      {!member && <MemberMissing onNavigate={onNavigate} why={t("join.memberMissing")} />}
      {watchError && <ErrorNotice error={watchError} title={t("join.watchFailed")} />}

      <StepTrack reached={reached} />
      {slowStart && (
        <p className="pending">
          <span className="spinner" aria-hidden="true" /> {t("join.connecting")}
        </p>
      )}
      {snapshot && (
        <p className="join-facts muted" data-testid="join-facts">
          {snapshot.agentPods != null && t("join.agentPods", { ready: snapshot.agentPodsReady ?? 0, total: snapshot.agentPods })}
          {snapshot.agentPods != null && snapshot.elapsedMs != null && " · "}
          {snapshot.elapsedMs != null && t("join.elapsed", { seconds: Math.round(snapshot.elapsedMs / 1000) })}
        </p>
      )}

      {ready && (
        <div className="success-banner" role="status" data-testid="join-ready">
          <h4>{t("join.ready.title", { name: cluster })}</h4>
          <p>{t("join.ready.body")}</p>
          <button type="button" className="primary" onClick={() => onNavigate("clusters")} data-testid="go-to-clusters">
            {t("join.ready.clusters")}
          </button>
        </div>
      )}

      <Diagnoses diagnoses={snapshot?.diagnoses ?? []} />
      {snapshot && <Conditions conditions={snapshot.conditions} />}

      <AgentManifest host={host} cluster={cluster} load={manifest} busy={manifestBusy} onFetch={() => void fetchManifest()} />
      <PlanAndApply
        host={host}
        member={member}
        cluster={cluster}
        onApplied={() => {
          if (!watching) resume();
        }}
      />
      <Timeline items={items} />

      {removing && (
        <RemoveClusterDialog
          host={host}
          member={member}
          cluster={cluster}
          onClose={(removed) => {
            setRemoving(false);
            if (removed) onRemoved();
          }}
        />
      )}
    </div>
  );
}
