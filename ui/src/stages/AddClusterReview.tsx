import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type AddOutcome, type BackendError, type ClusterForm, type ClusterPreview, type FieldProblem, type FormField } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";
import { FIELD_STEP, problemText, uniqueProblems } from "./problems";

type Load = { preview: ClusterPreview } | { error: BackendError } | null;
type Create =
  | { phase: "idle" }
  | { phase: "dryRun" }
  | { phase: "creating" }
  | { phase: "failed"; atDryRun: boolean; dryRunPassed: boolean; error: BackendError };

/** The wizard's last step: what each field becomes in the Cluster object, the object itself,
 * then Create: a server dry run first, then the real thing. */
export default function Review({
  host,
  member,
  form,
  onProblems,
  onFix,
  onCreated,
}: {
  host: string;
  member: string | null;
  form: ClusterForm;
  onProblems: (problems: FieldProblem[]) => void;
  onFix: (field: FormField) => void;
  onCreated: (outcome: AddOutcome) => void;
}) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<Load>(null);
  const [create, setCreate] = useState<Create>({ phase: "idle" });

  // The form cannot change while this step is shown: preview it once.
  useEffect(() => {
    let alive = true;
    backend.previewCluster(host, form).then(
      (preview) => {
        if (!alive) return;
        setLoad({ preview });
        onProblems(preview.problems);
      },
      (thrown) => alive && setLoad({ error: toBackendError(thrown) }),
    );
    return () => {
      alive = false;
    };
  }, []);

  const run = async () => {
    setCreate({ phase: "dryRun" });
    let dryRunPassed = false;
    try {
      const dry = await backend.addCluster(host, member, form, true);
      dryRunPassed = dry.dryRunPassed;
      setCreate({ phase: "creating" });
      onCreated(await backend.addCluster(host, member, form, false));
    } catch (thrown) {
      setCreate({ phase: "failed", atDryRun: !dryRunPassed, dryRunPassed, error: toBackendError(thrown) });
    }
  };

  if (load === null) return <Pending active label={t("addCluster.review.loading")} testId="review-loading" />;
  if ("error" in load) return <ErrorNotice error={load.error} title={t("addCluster.review.failed")} />;
  const { preview } = load;
  const problems = uniqueProblems(preview.problems);
  const working = create.phase === "dryRun" || create.phase === "creating";

  return (
    <div className="review" data-testid="review">
      {problems.length > 0 && (
        <div className="error-notice" role="alert" data-testid="review-problems">
          <strong>{t("addCluster.review.problems")}</strong>
          <ul>
            {problems.map((problem) => (
              <li key={`${problem.field}:${problem.code}`} data-field={problem.field} data-code={problem.code}>
                <span className="muted">{t(`addCluster.review.fields.${problem.field}`)}: </span>
                {problemText(t, problem)}{" "}
                <button type="button" className="ghost" onClick={() => onFix(problem.field)}>
                  {t("addCluster.review.fix", { step: t(`addCluster.steps.${FIELD_STEP[problem.field]}`) })}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      <h4>{t("addCluster.review.placements")}</h4>
      <div className="table-scroll">
        <table className="data-table placements" data-testid="review-placements">
          <thead>
            <tr>
              <th scope="col">{t("addCluster.review.field")}</th>
              <th scope="col">{t("addCluster.review.becomes")}</th>
              <th scope="col">{t("addCluster.review.value")}</th>
            </tr>
          </thead>
          <tbody>
            {preview.placements.map((placement, index) => (
              <tr key={index} data-field={placement.field}>
                <td>{t(`addCluster.review.fields.${placement.field}`, { defaultValue: placement.field })}</td>
                <td>
                  <code>{placement.path}</code>
                </td>
                <td>
                  <code>{placement.value}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.newTags.length > 0 && (
        <p className="secondary-text" data-testid="review-new-tags">
          {t("addCluster.review.newTags", { tags: preview.newTags.map((tag) => `${tag.key}=${tag.value}`).join(", ") })}
        </p>
      )}

      <details className="yaml-details" open>
        <summary>{t("addCluster.review.yaml")}</summary>
        <pre className="yaml" data-testid="review-yaml">
          <code>{preview.yaml}</code>
        </pre>
      </details>

      <ol className="progress-steps" data-testid="create-progress" aria-live="polite">
        {create.phase !== "idle" && (
          <li className={create.phase === "dryRun" ? "working" : create.phase === "failed" && create.atDryRun ? "failed" : "done"}>
            {create.phase === "dryRun" ? t("addCluster.review.dryRun") : create.phase === "failed" && create.atDryRun ? t("addCluster.review.dryRunFailed") : t("addCluster.review.dryRunPassed")}
          </li>
        )}
        {(create.phase === "creating" || (create.phase === "failed" && !create.atDryRun)) && (
          <li className={create.phase === "creating" ? "working" : "failed"}>
            {create.phase === "creating" ? t("addCluster.review.creating") : t("addCluster.review.createFailed")}
          </li>
        )}
      </ol>
      {create.phase === "failed" && (
        <ErrorNotice error={create.error} title={create.atDryRun ? t("addCluster.review.dryRunFailed") : t("addCluster.review.createFailed")} />
      )}
      <div className="wizard-actions">
        <button
          type="button"
          className="primary"
          onClick={run}
          disabled={working || problems.length > 0}
          aria-busy={working}
          data-testid="wizard-create"
        >
          {working ? t("addCluster.review.working") : t("addCluster.review.create")}
        </button>
      </div>
    </div>
  );
}
