import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type AddOutcome, type BackendError, type ClusterForm, type FieldProblem, type FormField, type FormOptions, type Stage } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";
import { useFlow, WIZARD_STEPS, type Draft, type WizardStep } from "../flow";
import { AdvancedStep, BasicStep, ConfigStep, ConnectionStep, type Problem } from "./AddClusterFields";
import Review from "./AddClusterReview";
import MemberMissing from "./MemberMissing";
import { FIELD_INPUT, FIELD_STEP, uniqueProblems } from "./problems";

type OptionsLoad = { options: FormOptions } | { error: BackendError } | null;
type NameCheck = { name: string; problems: FieldProblem[] } | { name: string; error: BackendError };

/** The console's Add Cluster form as a wizard. What is typed lives in the flow store (App),
 * so it survives going back and forth between steps and leaving the stage. */
export default function AddClusterPage({ host, member, onNavigate }: { host: string; member: string | null; onNavigate: (stage: Stage) => void }) {
  const { t } = useTranslation();
  const flow = useFlow();
  const [load, setLoad] = useState<OptionsLoad>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let alive = true;
    setLoad(null);
    backend.clusterFormOptions(host).then(
      (options) => alive && setLoad({ options }),
      (thrown) => alive && setLoad({ error: toBackendError(thrown) }),
    );
    return () => {
      alive = false;
    };
  }, [host, attempt]);

  const created = flow.created?.host === host ? flow.created.outcome : null;

  return (
    <section className="add-cluster" aria-labelledby="add-cluster-title" data-testid="add-cluster">
      <header>
        <h3 id="add-cluster-title">{t("addCluster.title", { context: host })}</h3>
      </header>
      {!member && <MemberMissing onNavigate={onNavigate} why={t("addCluster.memberMissing")} />}
      {created ? (
        <Created
          outcome={created}
          onJoin={() => {
            flow.setCurrentCluster({ host, cluster: created.name });
            onNavigate("join");
          }}
          onAnother={flow.resetWizard}
        />
      ) : load === null ? (
        <Pending active label={t("addCluster.loading")} testId="options-loading" />
      ) : "error" in load ? (
        <div className="stack">
          <ErrorNotice error={load.error} title={t("addCluster.loadFailed")} />
          <p>
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              {t("addCluster.retry")}
            </button>
          </p>
        </div>
      ) : (
        <Wizard host={host} member={member} options={load.options} onNavigate={onNavigate} />
      )}
    </section>
  );
}

function Wizard({ host, member, options, onNavigate }: { host: string; member: string | null; options: FormOptions; onNavigate: (stage: Stage) => void }) {
  const { t } = useTranslation();
  const { draft, updateDraft, wizardStep: step, setWizardStep, setCreated, setCurrentCluster } = useFlow();
  const [serverProblems, setServerProblems] = useState<FieldProblem[]>([]);
  const [nameCheck, setNameCheck] = useState<NameCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<BackendError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownStep = useRef(step);

  // The host's default Cluster Configuration goes in once; later edits are the user's.
  useEffect(() => {
    if (draft.config === null) updateDraft({ config: options.defaultConfig });
  }, [draft.config, options.defaultConfig, updateDraft]);

  // The live name check: ~300 ms after the last keystroke; an answer for an older name is dropped.
  const name = draft.name;
  useEffect(() => {
    if (name === "") {
      setNameCheck(null);
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      backend.checkClusterName(host, name).then(
        (problems) => alive && setNameCheck({ name, problems }),
        (thrown) => alive && setNameCheck({ name, error: toBackendError(thrown) }),
      );
    }, 300);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [host, name]);

  // A new step (not the one the page opened on): focus its heading, so the keyboard and
  // screen readers start there.
  useEffect(() => {
    if (shownStep.current === step) return;
    shownStep.current = step;
    heading.current?.focus();
  }, [step]);

  const change = (patch: Partial<Draft>) => {
    updateDraft(patch);
    // What the preview said about a field is stale once the field changes.
    setServerProblems((problems) => problems.filter((problem) => !(problem.field in patch)));
  };

  const local: Problem[] = [];
  if ([...draft.alias].length > options.aliasMax) local.push({ field: "alias", code: "tooLong", limit: options.aliasMax, line: null });
  if ([...draft.description].length > options.descriptionMax) local.push({ field: "description", code: "tooLong", limit: options.descriptionMax, line: null });
  if (draft.tags.length > options.tagsMax) local.push({ field: "tags", code: "tooManyTags", limit: options.tagsMax, line: null });
  const current = nameCheck?.name === name ? nameCheck : null;
  const nameProblems = current && "problems" in current ? current.problems : [];
  const problems = uniqueProblems<Problem>([...local, ...nameProblems, ...serverProblems]);
  const problemsFor = (field: FormField) => problems.filter((problem) => problem.field === field);
  const stepsWithProblems = new Set(problems.map((problem) => FIELD_STEP[problem.field]));
  const nameState = name === "" ? "idle" : current === null ? "checking" : "error" in current ? "failed" : "free";

  const form = (): ClusterForm => ({ ...draft, config: draft.config ?? options.defaultConfig });
  const index = WIZARD_STEPS.indexOf(step);

  const focusField = (field: FormField) => {
    // After React has drawn the step the field is on.
    setTimeout(() => document.getElementById(FIELD_INPUT[field])?.focus(), 0);
  };
  const goTo = (next: WizardStep) => {
    setCheckError(null);
    setWizardStep(next);
  };
  const next = async (event: FormEvent) => {
    event.preventDefault();
    const following = WIZARD_STEPS[index + 1];
    if (!following) return;
    const here = (list: Problem[]) => list.filter((problem) => FIELD_STEP[problem.field] === step);
    if (step === "basic" || step === "config") {
      if (here(local).length > 0) return focusField(here(local)[0]!.field);
      // The host has the last word on every field (the name's "taken" included).
      setChecking(true);
      setCheckError(null);
      try {
        const preview = await backend.previewCluster(host, form());
        setServerProblems(preview.problems);
        const found = here(uniqueProblems<Problem>([...local, ...preview.problems]));
        if (found.length > 0) return focusField(found[0]!.field);
      } catch (thrown) {
        setCheckError(toBackendError(thrown));
        return;
      } finally {
        setChecking(false);
      }
    }
    goTo(following);
  };
  const back = () => {
    const previous = WIZARD_STEPS[index - 1];
    if (previous) goTo(previous);
  };
  const onCreated = (outcome: AddOutcome) => {
    setCreated({ host, outcome });
    setCurrentCluster({ host, cluster: outcome.name });
  };

  const fields = { draft, options, change, problemsFor };
  return (
    <div className="wizard">
      <ol className="wizard-steps" aria-label={t("addCluster.stepsLabel")}>
        {WIZARD_STEPS.map((id, i) => (
          <li key={id} className={i < index ? "done" : i === index ? "current" : undefined}>
            <button
              type="button"
              data-step={id}
              aria-current={id === step ? "step" : undefined}
              onClick={() => goTo(id)}
              disabled={checking}
            >
              <span className="step-number" aria-hidden="true">
                {i + 1}
              </span>
              {t(`addCluster.steps.${id}`)}
              {stepsWithProblems.has(id) && (
                <span className="badge warning" data-testid={`step-problems-${id}`}>
                  {t("addCluster.stepHasProblems")}
                </span>
              )}
            </button>
          </li>
        ))}
      </ol>

      <form className="wizard-body" onSubmit={next} noValidate data-step={step}>
        <h4 ref={heading} tabIndex={-1} id="wizard-step-title">
          {t(`addCluster.steps.${step}`)}
        </h4>
        {step === "basic" && <BasicStep {...fields} nameState={nameState} />}
        {step === "advanced" && <AdvancedStep {...fields} />}
        {step === "connection" && <ConnectionStep onNavigate={onNavigate} />}
        {step === "config" && <ConfigStep {...fields} host={host} member={member} />}
        {step === "review" && (
          <Review
            host={host}
            member={member}
            form={form()}
            onProblems={setServerProblems}
            onFix={(field) => {
              goTo(FIELD_STEP[field]);
              focusField(field);
            }}
            onCreated={onCreated}
          />
        )}
        {checkError && <ErrorNotice error={checkError} title={t("addCluster.checkFailed")} />}
        <Pending active={checking} label={t("addCluster.checking")} testId="wizard-checking" />
        <div className="wizard-actions">
          {index > 0 && (
            <button type="button" onClick={back} disabled={checking} data-testid="wizard-back">
              {t("addCluster.back")}
            </button>
          )}
          {step !== "review" && (
            <button type="submit" className="primary" disabled={checking} aria-busy={checking} data-testid="wizard-next">
              {t("addCluster.next")}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}

/** The cluster exists on the host: what was done, and the way on to Join. */
function Created({ outcome, onJoin, onAnother }: { outcome: AddOutcome; onJoin: () => void; onAnother: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="success-banner" role="status" data-testid="add-done">
      <h4>{t("addCluster.done.title", { name: outcome.name })}</h4>
      <ol className="progress-steps">
        <li className="done">{t("addCluster.review.dryRunPassed")}</li>
        <li className="done">{t("addCluster.done.created")}</li>
      </ol>
      {outcome.createdTags.length > 0 && <p>{t("addCluster.done.createdTags", { tags: outcome.createdTags.join(", ") })}</p>}
      <p>{t("addCluster.done.next")}</p>
      <div className="wizard-actions">
        <button type="button" className="primary" onClick={onJoin} data-testid="go-to-join">
          {t("addCluster.done.join")}
        </button>
        <button type="button" onClick={onAnother} data-testid="add-another">
          {t("addCluster.done.another")}
        </button>
      </div>
    </div>
  );
}
