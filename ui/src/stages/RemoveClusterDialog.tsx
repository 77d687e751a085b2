import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  backend,
  toBackendError,
  type BackendError,
  type RemovalItem,
  type RemovalOutcome,
  type RemovalPlan,
  type RemovalStep,
  type Side,
} from "../backend";
import Dialog from "../components/Dialog";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";
import { describeObject } from "./objects";

type Run =
  | { state: "idle" }
  | { state: "removing"; steps: Map<string, RemovalStep> }
  | { state: "done"; steps: Map<string, RemovalStep>; outcome: RemovalOutcome }
  | { state: "failed"; steps: Map<string, RemovalStep>; error: BackendError };

const SIDES: Side[] = ["host", "member"];
/** An item by what it is, not by position: Rust plans again before removing. */
const itemKey = (item: RemovalItem) => `${item.side}:${item.action}:${describeObject(item.object)}`;

/** Removing a cluster (or rolling back a join): every object first, grouped by cluster, then
 * the typed name, then progress per object. Used by the Clusters and Join pages. */
export default function RemoveClusterDialog({
  host,
  member,
  cluster,
  onClose,
}: {
  host: string;
  member: string | null;
  cluster: string;
  /** `removed`: the cluster is gone (the caller reads its list again). */
  onClose: (removed: boolean) => void;
}) {
  const { t } = useTranslation();
  const [plan, setPlan] = useState<{ plan: RemovalPlan } | { error: BackendError } | null>(null);
  const [typed, setTyped] = useState("");
  const [run, setRun] = useState<Run>({ state: "idle" });
  const confirm = useRef<HTMLInputElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let alive = true;
    backend.planClusterRemoval(host, member, cluster).then(
      (loaded) => alive && setPlan({ plan: loaded }),
      (thrown) => alive && setPlan({ error: toBackendError(thrown) }),
    );
    return () => {
      alive = false;
    };
  }, [host, member, cluster]);

  const loaded = plan && "plan" in plan ? plan.plan : null;
  // The dialog opened before the plan arrived: the name field takes focus once it is there,
  // and the Close button once the removal is done.
  useEffect(() => {
    if (loaded) confirm.current?.focus();
  }, [loaded]);
  useEffect(() => {
    if (run.state === "done") closeButton.current?.focus();
  }, [run.state]);

  const removing = run.state === "removing";
  const close = () => {
    if (!removing) onClose(run.state === "done");
  };
  const remove = async () => {
    let steps = new Map<string, RemovalStep>();
    setRun({ state: "removing", steps });
    try {
      const outcome = await backend.removeCluster(host, member, cluster, typed, (step) => {
        steps = new Map(steps).set(itemKey(step.item), step);
        setRun({ state: "removing", steps });
      });
      setRun({ state: "done", steps, outcome });
    } catch (thrown) {
      setRun({ state: "failed", steps, error: toBackendError(thrown) });
    }
  };

  const steps = run.state === "idle" ? null : run.steps;
  const reported = steps ? [...steps.values()] : [];
  const total = reported[0]?.total ?? loaded?.items.length ?? 0;
  const doneCount = reported.filter((step) => step.done).length;
  const progress = (item: RemovalItem) => {
    if (!steps) return null;
    const step = steps.get(itemKey(item));
    if (!step) return run.state === "removing" ? "waiting" : run.state === "done" ? null : "notReached";
    return step.done ? "done" : run.state === "failed" ? "failed" : "working";
  };
  const matches = typed === cluster;
  const withProblems = loaded ? loaded.items.filter((item) => item.problem).length : 0;

  return (
    <Dialog title={t("remove.title", { name: cluster })} onClose={close} className="remove-dialog" testId="remove-dialog">
      {plan === null && <Pending active label={t("remove.loading")} testId="remove-loading" />}
      {plan && "error" in plan && <ErrorNotice error={plan.error} title={t("remove.planFailed")} />}
      {loaded && (
        <>
          <p className="muted" data-testid="remove-origin">
            {loaded.fromRecord ? t("remove.fromRecord") : t("remove.noRecord")}
          </p>
          {!member && <p className="warning">{t("remove.noMember")}</p>}
          {SIDES.map((side) => {
            const items = loaded.items.filter((item) => item.side === side);
            return (
              <section key={side} className="removal-side" aria-labelledby={`removal-${side}`} data-side={side}>
                <h3 id={`removal-${side}`}>
                  {side === "host" ? t("remove.sides.host", { name: host }) : member ? t("remove.sides.member", { name: member }) : t("remove.sides.memberUnknown")}
                </h3>
                {items.length === 0 ? (
                  <p className="muted">{t("remove.nothing")}</p>
                ) : (
                  <ul className="removal-items">
                    {items.map((item) => {
                      const state = progress(item);
                      return (
                        <li key={itemKey(item)} data-action={item.action} data-object={describeObject(item.object)} data-progress={state ?? undefined}>
                          <span className={`badge action action-${item.action}`}>{t(`remove.actions.${item.action}`)}</span>{" "}
                          <code>{describeObject(item.object)}</code>
                          {state && (
                            <span className={`item-progress ${state}`}>
                              {state === "working" && <span className="spinner" aria-hidden="true" />} {t(`remove.states.${state}`)}
                            </span>
                          )}
                          <span className="secondary">{item.reason}</span>
                          {item.problem && <span className="warning item-problem">{item.problem}</span>}
                        </li>
                      );
                    })}
                  </ul>
                )}
              </section>
            );
          })}
          {loaded.notes.length > 0 && (
            <ul className="removal-notes" data-testid="remove-notes">
              {loaded.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
          {withProblems > 0 && <p className="warning">{t("remove.problems", { count: withProblems })}</p>}

          {run.state !== "done" && (
            <div className="confirm-name">
              <label htmlFor="remove-confirm">{t("remove.confirmLabel", { name: cluster })}</label>
              <input
                ref={confirm}
                id="remove-confirm"
                type="text"
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                disabled={removing}
                spellCheck={false}
                autoComplete="off"
                aria-describedby="remove-confirm-hint"
              />
              <p id="remove-confirm-hint" className="muted">
                {t("remove.confirmHint")}
              </p>
            </div>
          )}
          {steps && (
            <p className={run.state === "failed" ? "warning" : "ok"} aria-live="polite" data-testid="remove-progress">
              {run.state === "done" ? t("remove.done", { name: cluster, count: run.outcome.done.length }) : t("remove.count", { done: doneCount, total })}
            </p>
          )}
          {run.state === "failed" && <ErrorNotice error={run.error} title={t("remove.failed")} />}
        </>
      )}
      <div className="dialog-actions">
        {run.state === "done" ? (
          <button ref={closeButton} type="button" className="primary" onClick={close} data-testid="remove-close">
            {t("remove.close")}
          </button>
        ) : (
          <>
            <button type="button" className="ghost" onClick={close} disabled={removing}>
              {t("remove.cancel")}
            </button>
            <Pending active={removing} label={t("remove.removing")} />
            <button
              type="button"
              className="danger"
              onClick={remove}
              disabled={!loaded || !matches || removing}
              aria-busy={removing}
              data-testid="remove-confirm-button"
            >
              {t("remove.remove")}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}
