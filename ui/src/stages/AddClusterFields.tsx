import { useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { FieldProblem, FormField, FormOptions, Group, Stage, Tag } from "../backend";
import type { Draft } from "../flow";
import AirGapPanel from "./AirGapPanel";
import { problemText } from "./problems";

export type Problem = Pick<FieldProblem, "field" | "code" | "limit" | "line">;

type FieldsProps = {
  draft: Draft;
  options: FormOptions;
  change: (patch: Partial<Draft>) => void;
  problemsFor: (field: FormField) => Problem[];
};

/** The problems of one field, right under it; the control names this list in aria-describedby. */
export function FieldErrors({ id, problems }: { id: string; problems: Problem[] }) {
  const { t } = useTranslation();
  return (
    <ul id={id} className="field-errors" aria-live="polite">
      {problems.map((problem) => (
        <li key={`${problem.field}:${problem.code}`} data-code={problem.code}>
          {problemText(t, problem)}
        </li>
      ))}
    </ul>
  );
}

/** aria attributes of a control with (possibly) problems and a hint. */
function described(id: string, problems: Problem[], hint = true) {
  return {
    "aria-invalid": problems.length > 0 ? (true as const) : undefined,
    "aria-describedby": [hint ? `${id}-hint` : null, `${id}-errors`].filter(Boolean).join(" "),
  };
}

export function BasicStep({
  draft,
  options,
  change,
  problemsFor,
  nameState,
}: FieldsProps & { nameState: "idle" | "checking" | "free" | "failed" }) {
  const { t } = useTranslation();
  const nameProblems = problemsFor("name");
  const aliasProblems = problemsFor("alias");
  const descriptionProblems = problemsFor("description");
  const descriptionLength = [...draft.description].length;
  return (
    <div className="wizard-fields">
      <div className="field">
        <label htmlFor="cluster-name">
          {t("addCluster.name.label")} <span className="required" aria-hidden="true">*</span>
        </label>
        <input
          id="cluster-name"
          value={draft.name}
          onChange={(event) => change({ name: event.target.value })}
          spellCheck={false}
          autoComplete="off"
          required
          aria-busy={nameState === "checking"}
          {...described("cluster-name", nameProblems)}
        />
        <p id="cluster-name-hint" className="field-hint">
          {t("addCluster.name.hint", { max: options.nameMax })}
        </p>
        <p className="name-check" data-testid="name-check" data-state={nameState} aria-live="polite">
          {nameState === "checking" && (
            <>
              <span className="spinner" aria-hidden="true" /> {t("addCluster.name.checking")}
            </>
          )}
          {nameState === "free" && nameProblems.length === 0 && <span className="ok">{t("addCluster.name.available", { name: draft.name })}</span>}
          {nameState === "failed" && <span className="warning">{t("addCluster.name.checkFailed")}</span>}
        </p>
        <FieldErrors id="cluster-name-errors" problems={nameProblems} />
      </div>

      <div className="field">
        <label htmlFor="cluster-alias">{t("addCluster.alias.label")}</label>
        <input
          id="cluster-alias"
          value={draft.alias}
          onChange={(event) => change({ alias: event.target.value })}
          autoComplete="off"
          {...described("cluster-alias", aliasProblems)}
        />
        <p id="cluster-alias-hint" className="field-hint">
          {t("addCluster.alias.hint", { max: options.aliasMax })}
        </p>
        <FieldErrors id="cluster-alias-errors" problems={aliasProblems} />
      </div>

      <TagsField draft={draft} options={options} change={change} problemsFor={problemsFor} />

      <div className="field">
        <label htmlFor="cluster-provider">{t("addCluster.provider.label")}</label>
        <input
          id="cluster-provider"
          list="cluster-provider-options"
          value={draft.provider}
          onChange={(event) => change({ provider: event.target.value })}
          autoComplete="off"
          {...described("cluster-provider", problemsFor("provider"))}
        />
        <datalist id="cluster-provider-options">
          {options.providers.map((provider) => (
            <option key={provider} value={provider} />
          ))}
        </datalist>
        <p id="cluster-provider-hint" className="field-hint">
          {t("addCluster.provider.hint")}
        </p>
        <FieldErrors id="cluster-provider-errors" problems={problemsFor("provider")} />
      </div>

      <div className="field">
        <label htmlFor="cluster-description">{t("addCluster.description.label")}</label>
        <textarea
          id="cluster-description"
          rows={3}
          value={draft.description}
          onChange={(event) => change({ description: event.target.value })}
          {...described("cluster-description", descriptionProblems)}
        />
        <p
          id="cluster-description-hint"
          className={descriptionLength > options.descriptionMax ? "field-hint counter warning" : "field-hint counter"}
          data-testid="description-counter"
        >
          {t("addCluster.description.counter", { count: descriptionLength, max: options.descriptionMax })}
        </p>
        <FieldErrors id="cluster-description-errors" problems={descriptionProblems} />
      </div>
    </div>
  );
}

const tagText = (tag: Tag) => `${tag.key}=${tag.value}`;

/** Tags: the host's, one click each, or typed as key=value (the datalist offers the host's too). */
function TagsField({ draft, options, change, problemsFor }: FieldsProps) {
  const { t } = useTranslation();
  const [entry, setEntry] = useState("");
  const [entryProblem, setEntryProblem] = useState<Problem | null>(null);
  const full = draft.tags.length >= options.tagsMax;
  const known = new Set(options.tags.map((tag) => tagText(tag)));

  const add = (tag: Tag) => {
    if (!tag.key || !tag.value) {
      setEntryProblem({ field: "tags", code: "incompleteTag", limit: null, line: null });
      return false;
    }
    if (draft.tags.some((chosen) => chosen.key === tag.key)) {
      setEntryProblem({ field: "tags", code: "duplicateTagKey", limit: null, line: null });
      return false;
    }
    if (full) {
      setEntryProblem({ field: "tags", code: "tooManyTags", limit: options.tagsMax, line: null });
      return false;
    }
    setEntryProblem(null);
    change({ tags: [...draft.tags, tag] });
    return true;
  };
  const addTyped = () => {
    const text = entry.trim();
    if (!text) return;
    const at = text.indexOf("=");
    const tag = at < 0 ? { key: text, value: "" } : { key: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
    if (add(tag)) setEntry("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addTyped();
    }
  };
  const remove = (index: number) => {
    setEntryProblem(null);
    change({ tags: draft.tags.filter((_, i) => i !== index) });
  };
  const problems = [...(entryProblem ? [entryProblem] : []), ...problemsFor("tags").filter((p) => p.code !== entryProblem?.code)];
  const suggestions = options.tags.filter((tag) => !draft.tags.some((chosen) => chosen.key === tag.key && chosen.value === tag.value));

  return (
    <fieldset className="field tags-field">
      <legend>{t("addCluster.tags.label")}</legend>
      <ul className="chips" data-testid="chosen-tags" aria-label={t("addCluster.tags.chosen")}>
        {draft.tags.length === 0 && <li className="muted">{t("addCluster.tags.none")}</li>}
        {draft.tags.map((tag, index) => (
          <li key={`${tag.key}=${tag.value}`} className="chip" data-tag={tagText(tag)}>
            {tagText(tag)}
            {!known.has(tagText(tag)) && <span className="badge">{t("addCluster.tags.new")}</span>}
            <button type="button" className="chip-remove" aria-label={t("addCluster.tags.remove", { tag: tagText(tag) })} onClick={() => remove(index)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="tag-entry">
        <label htmlFor="cluster-tag-input" className="visually-hidden">
          {t("addCluster.tags.input")}
        </label>
        <input
          id="cluster-tag-input"
          list="cluster-tag-options"
          value={entry}
          placeholder={t("addCluster.tags.placeholder")}
          onChange={(event) => setEntry(event.target.value)}
          onKeyDown={onKeyDown}
          disabled={full}
          autoComplete="off"
          spellCheck={false}
          {...described("cluster-tag-input", problems)}
        />
        <datalist id="cluster-tag-options">
          {suggestions.map((tag) => (
            <option key={tag.id} value={tagText(tag)} />
          ))}
        </datalist>
        <button type="button" onClick={addTyped} disabled={full || entry.trim() === ""} data-testid="add-tag">
          {t("addCluster.tags.add")}
        </button>
      </div>
      <p id="cluster-tag-input-hint" className="field-hint">
        {t("addCluster.tags.hint", { max: options.tagsMax })}
      </p>
      {suggestions.length > 0 && (
        <div className="host-tags">
          <span className="muted">{t("addCluster.tags.hostTags")}</span>
          {suggestions.map((tag) => (
            <button
              key={tag.id}
              type="button"
              className="role tag-suggestion"
              data-tag={tagText(tag)}
              style={tag.color ? { borderLeftColor: tag.color } : undefined}
              disabled={full}
              onClick={() => add({ key: tag.key, value: tag.value })}
            >
              {tagText(tag)}
            </button>
          ))}
        </div>
      )}
      <FieldErrors id="cluster-tag-input-errors" problems={problems} />
    </fieldset>
  );
}

export function AdvancedStep({ draft, options, change }: FieldsProps) {
  const { t } = useTranslation();
  return (
    <div className="wizard-fields">
      <div className="field">
        <label htmlFor="cluster-group">{t("addCluster.group.label")}</label>
        <select
          id="cluster-group"
          value={draft.group ?? ""}
          onChange={(event) => change({ group: event.target.value === "" ? null : (event.target.value as Group) })}
          aria-describedby="cluster-group-hint"
        >
          <option value="">{t("addCluster.group.none")}</option>
          {options.groups.map((group) => (
            <option key={group} value={group}>
              {t(`addCluster.group.${group}`)}
            </option>
          ))}
        </select>
        <p id="cluster-group-hint" className="field-hint">
          {t("addCluster.group.hint")}
        </p>
      </div>
    </div>
  );
}

export function ConnectionStep({ onNavigate }: { onNavigate: (stage: Stage) => void }) {
  const { t } = useTranslation();
  return (
    <div className="wizard-fields" data-testid="connection-settings">
      <dl className="facts-list">
        <div className="fact">
          <dt>{t("addCluster.connection.method")}</dt>
          <dd>
            <strong>{t("addCluster.connection.proxy")}</strong>
          </dd>
        </div>
        <div className="fact">
          <dt>{t("addCluster.connection.inObject")}</dt>
          <dd>
            <code>spec.connection.type: proxy</code>, <code>spec.joinFederation: true</code>
          </dd>
        </div>
      </dl>
      <p>{t("addCluster.connection.explain")}</p>
      <p className="muted">{t("addCluster.connection.noKubeconfig")}</p>
      <p>
        <button type="button" className="ghost" onClick={() => onNavigate("proxy-address")}>
          {t("addCluster.connection.checkProxy")}
        </button>
      </p>
    </div>
  );
}

export function ConfigStep({ draft, options, change, problemsFor, host, member }: FieldsProps & { host: string; member: string | null }) {
  const { t } = useTranslation();
  const problems = problemsFor("config");
  const config = draft.config ?? options.defaultConfig;
  const line = problems.find((p) => p.line != null)?.line ?? null;
  const goToLine = (target: number) => {
    const editor = document.getElementById("cluster-config") as HTMLTextAreaElement | null;
    if (!editor) return;
    const lines = editor.value.split("\n");
    const start = lines.slice(0, target - 1).reduce((sum, text) => sum + text.length + 1, 0);
    const end = start + (lines[target - 1]?.length ?? 0);
    editor.focus();
    editor.setSelectionRange(start, end);
  };
  return (
    <div className="wizard-fields">
      <p>{t("addCluster.config.explain")}</p>
      <p className="hint-box">{t("addCluster.config.airGapped")}</p>
      <div className="field">
        <label htmlFor="cluster-config">{t("addCluster.config.label")}</label>
        <textarea
          id="cluster-config"
          className="yaml-editor"
          rows={12}
          value={config}
          onChange={(event) => change({ config: event.target.value })}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          {...described("cluster-config", problems)}
        />
        <p id="cluster-config-hint" className="field-hint">
          {t("addCluster.config.hint")}
        </p>
        <FieldErrors id="cluster-config-errors" problems={problems} />
        <div className="field-actions">
          {line != null && (
            <button type="button" className="ghost" onClick={() => goToLine(line)}>
              {t("addCluster.config.goToLine", { line })}
            </button>
          )}
          <button type="button" className="ghost" onClick={() => change({ config: options.defaultConfig })} disabled={config === options.defaultConfig}>
            {t("addCluster.config.reset")}
          </button>
        </div>
      </div>
      <AirGapPanel host={host} member={member} config={config} onConfig={(next) => change({ config: next })} />
    </div>
  );
}
