import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { ConditionView, Diagnosis, JoinStep, TimelineEntry } from "../backend";
import { clockTime } from "./objects";

/** The track's steps: the Cluster's conditions in the order they go. */
export const TRACK = ["created", "initialized", "agentConnected", "ksCoreReady", "ready"] as const;
const STEP_INDEX: Record<JoinStep, number> = { waiting: 0, initialized: 1, agentConnected: 2, ksCoreReady: 3, ready: 4 };
export const stepIndex = (step: JoinStep) => STEP_INDEX[step];

/** Created → Initialized → Agent connected → KubeSphere core → Ready: the steps up to
 * `reached` done, the next one in progress. */
export function StepTrack({ reached }: { reached: number }) {
  const { t } = useTranslation();
  return (
    <ol className="step-track" aria-label={t("join.track")} data-testid="join-steps">
      {TRACK.map((id, i) => {
        const state = i <= reached ? "done" : i === reached + 1 ? "current" : "pending";
        return (
          <li key={id} className={state} data-step={id} data-state={state} aria-current={state === "current" ? "step" : undefined}>
            <span className="track-dot" aria-hidden="true" />
            <span>{t(`join.steps.${id}`)}</span>
            <span className="visually-hidden"> ({t(`join.stepState.${state}`)})</span>
          </li>
        );
      })}
    </ol>
  );
}

/** A timeline line, or a marker of our own (the watch started again). */
export type TimelineItem = { kind: "entry"; entry: TimelineEntry } | { kind: "resumed"; atUnixMs: number };

function entryTime(entry: TimelineEntry): string {
  if (entry.atUnixMs != null) return clockTime(entry.atUnixMs);
  const reported = entry.reportedAt ? Date.parse(entry.reportedAt) : NaN;
  return Number.isNaN(reported) ? "" : clockTime(reported);
}

/** What the watch saw, oldest first, newest at the bottom (kept in view as entries arrive). */
export function Timeline({ items }: { items: TimelineItem[] }) {
  const { t } = useTranslation();
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [items.length]);
  return (
    <section className="join-section" aria-labelledby="join-timeline-title">
      <h4 id="join-timeline-title">{t("join.timeline.title")}</h4>
      {items.length === 0 && <p className="muted">{t("join.timeline.empty")}</p>}
      <ol ref={list} className="timeline" aria-live="polite" aria-relevant="additions" data-testid="join-timeline" tabIndex={items.length > 0 ? 0 : -1}>
        {items.map((item, index) =>
          item.kind === "resumed" ? (
            <li key={index} className="timeline-marker">
              <time className="timeline-time">{clockTime(item.atUnixMs)}</time> {t("join.timeline.resumed")}
            </li>
          ) : (
            <li
              key={index}
              className={item.entry.warning ? "timeline-entry warning-entry" : "timeline-entry"}
              data-source={item.entry.source}
              data-warning={item.entry.warning}
            >
              <time className="timeline-time" title={item.entry.reportedAt ? t("join.timeline.reportedAt", { at: item.entry.reportedAt }) : undefined}>
                {entryTime(item.entry)}
              </time>
              <span className={`badge source source-${item.entry.source}`}>{t(`join.sources.${item.entry.source}`)}</span>
              <span className="timeline-text">
                {item.entry.warning && <span className="visually-hidden">{t("join.timeline.warning")}: </span>}
                <strong>{item.entry.title}</strong>
                {item.entry.detail && <span className="timeline-detail">{item.entry.detail}</span>}
              </span>
            </li>
          ),
        )}
      </ol>
    </section>
  );
}

/** What is wrong right now and what to do, recomputed by Rust from everything seen. */
export function Diagnoses({ diagnoses }: { diagnoses: Diagnosis[] }) {
  const { t } = useTranslation();
  if (diagnoses.length === 0) return null;
  return (
    <section className="join-section" aria-labelledby="join-diagnoses-title">
      <h4 id="join-diagnoses-title">{t("join.diagnoses.title")}</h4>
      <ul className="diagnoses" data-testid="diagnoses">
        {diagnoses.map((diagnosis) => (
          <li key={diagnosis.code} className={`diagnosis severity-${diagnosis.severity}`} data-code={diagnosis.code} data-severity={diagnosis.severity}>
            <span className="badge">{t(`join.diagnoses.severity.${diagnosis.severity}`)}</span> <strong>{diagnosis.summary}</strong>
            <p className="hint">
              <span className="muted">{t("join.diagnoses.fix")}: </span>
              {diagnosis.fix}
            </p>
            {diagnosis.evidence.length > 0 && (
              <details>
                <summary>{t("join.diagnoses.evidence")}</summary>
                <ul>
                  {diagnosis.evidence.map((line, i) => (
                    <li key={i}>
                      <code>{line}</code>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Conditions({ conditions }: { conditions: ConditionView[] }) {
  const { t } = useTranslation();
  if (conditions.length === 0) return null;
  return (
    <details className="conditions">
      <summary>{t("join.conditions.title")}</summary>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("join.conditions.type")}</th>
            <th scope="col">{t("join.conditions.status")}</th>
            <th scope="col">{t("join.conditions.reason")}</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((condition) => (
            <tr key={condition.kind} data-condition={condition.kind}>
              <td>
                <code>{condition.kind}</code>
              </td>
              <td>{condition.status}</td>
              <td>
                {condition.reason}
                {condition.message && <span className="secondary">{condition.message}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
