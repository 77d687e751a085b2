import type { TFunction } from "i18next";
import type { FieldProblem, FormField } from "../backend";
import type { WizardStep } from "../flow";

/** A field problem in the user's language, from its code (and limit or line): Rust's
 * `message` is English, for the CLI. */
export function problemText(t: TFunction, problem: Pick<FieldProblem, "field" | "code" | "limit" | "line">): string {
  switch (problem.code) {
    case "pattern":
      return problem.field === "name" || problem.field === "alias" ? t(`addCluster.problems.pattern_${problem.field}`) : t("addCluster.problems.pattern");
    case "tooLong":
      return problem.limit != null ? t("addCluster.problems.tooLong", { limit: problem.limit }) : t("addCluster.problems.tooLongNoLimit");
    case "tooManyTags":
      return problem.limit != null ? t("addCluster.problems.tooManyTags", { limit: problem.limit }) : t("addCluster.problems.tooManyTagsNoLimit");
    case "invalidYaml":
      return problem.line != null ? t("addCluster.problems.invalidYaml", { line: problem.line }) : t("addCluster.problems.invalidYamlNoLine");
    default:
      return t(`addCluster.problems.${problem.code}`);
  }
}

/** The wizard step each field is on. */
export const FIELD_STEP: Record<FormField, WizardStep> = {
  name: "basic",
  alias: "basic",
  tags: "basic",
  provider: "basic",
  description: "basic",
  config: "config",
};

/** The id of the control a field's problems belong to (to focus it). */
export const FIELD_INPUT: Record<FormField, string> = {
  name: "cluster-name",
  alias: "cluster-alias",
  tags: "cluster-tag-input",
  provider: "cluster-provider",
  description: "cluster-description",
  config: "cluster-config",
};

/** One entry per field and code (the live check and the preview may both report one). */
export function uniqueProblems<P extends Pick<FieldProblem, "field" | "code">>(problems: P[]): P[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field}:${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
