import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  backend,
  toBackendError,
  type BackendError,
  type ImportChoice,
  type ImportOutcome,
  type ImportPreview,
  type ImportSource,
} from "../backend";
import Dialog from "../components/Dialog";
import ErrorNotice from "../components/ErrorNotice";
import ImportPreviewGroups, { initialRows, type RowChoice } from "./ImportPreviewGroups";

type SourceKind = ImportSource["type"];

/** What was previewed, from which source: the import sends that same source, so the group
 * numbers of the choices always mean what the user saw. */
type Previewed = { source: ImportSource; preview: ImportPreview; rows: RowChoice[][] };

/** The import dialog: pick files (typed or dropped onto the window), paste YAML or take the
 * default locations; preview what they hold; import the ticked contexts under the names
 * chosen. The file list is the launcher's, because drops arrive there. */
export default function ImportPanel({
  paths,
  onPathsChange,
  dropReady,
  onClose,
  onImported,
}: {
  paths: string[];
  onPathsChange: (paths: string[]) => void;
  /** The window reports dropped files (so saying "drop files here" is true). */
  dropReady: boolean;
  onClose: () => void;
  onImported: (outcome: ImportOutcome) => void;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<SourceKind>("files");
  const [typedPath, setTypedPath] = useState("");
  // Adding or removing a path unmounts or disables the control that was used: focus goes
  // back to the path field, ready for the next one.
  const pathField = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  const [previewed, setPreviewed] = useState<Previewed | null>(null);
  const [failure, setFailure] = useState<{ title: string; error: BackendError } | null>(null);
  // While a request runs, the buttons ignore clicks but stay enabled: disabling the button
  // that has focus would drop the keyboard focus out of the dialog.
  const [busy, setBusy] = useState(false);

  // A changed source makes the preview stale: its groups and names no longer apply.
  const changeSource = (apply: () => void) => {
    apply();
    setPreviewed(null);
    setFailure(null);
  };
  // The file list also changes from outside (files dropped onto the window): show it.
  const [listedPaths, setListedPaths] = useState(paths);
  if (listedPaths !== paths) {
    setListedPaths(paths);
    changeSource(() => setKind("files"));
  }
  const addPath = () => {
    const path = typedPath.trim();
    if (!path) return;
    if (!paths.includes(path)) onPathsChange([...paths, path]);
    setTypedPath("");
    pathField.current?.focus();
  };

  const source = (): ImportSource | null => {
    if (kind === "text") return text.trim() ? { type: "text", text } : null;
    if (kind === "defaultLocations") return { type: "defaultLocations" };
    return paths.length > 0 ? { type: "files", paths } : null;
  };

  const preview = async () => {
    const from = source();
    if (!from || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const found = await backend.previewImport(from);
      setPreviewed({ source: from, preview: found, rows: initialRows(found) });
    } catch (thrown) {
      setFailure({ title: t("import.previewFailed"), error: toBackendError(thrown) });
    } finally {
      setBusy(false);
    }
  };

  const choices: ImportChoice[] = previewed
    ? previewed.preview.groups.flatMap((group, g) =>
        group.contexts.flatMap((candidate, c) => {
          const row = previewed.rows[g]![c]!;
          return row.include ? [{ group: g, context: candidate.name, saveAs: row.saveAs, replace: row.replace }] : [];
        }),
      )
    : [];

  const runImport = async () => {
    if (!previewed || choices.length === 0 || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      onImported(await backend.importContexts(previewed.source, choices));
    } catch (thrown) {
      // The import is all or nothing: the form stays as it is, to fix and try again.
      setFailure({ title: t("import.importFailed"), error: toBackendError(thrown) });
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("import.title")} onClose={onClose} className="import-panel" testId="import-panel">
      <p className="muted">{t("import.intro")}</p>
      <fieldset className="source-kinds">
        <legend>{t("import.source")}</legend>
        {(["files", "text", "defaultLocations"] as const).map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="import-source"
              value={option}
              checked={kind === option}
              onChange={() => changeSource(() => setKind(option))}
            />
            {t(`import.kinds.${option}`)}
          </label>
        ))}
      </fieldset>

      {kind === "files" && (
        <div className="source-files">
          <label htmlFor="import-path">{t("import.path")}</label>
          <div className="path-entry">
            <input
              id="import-path"
              ref={pathField}
              type="text"
              value={typedPath}
              spellCheck={false}
              placeholder={t("import.pathPlaceholder")}
              onChange={(event) => setTypedPath(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Enter") {
                  event.preventDefault();
                  addPath();
                }
              }}
              data-testid="import-path"
            />
            <button type="button" className="ghost" onClick={addPath} disabled={!typedPath.trim()} data-testid="add-path">
              {t("import.add")}
            </button>
          </div>
          {paths.length === 0 ? (
            <p className="muted">{t("import.noFiles")}</p>
          ) : (
            <ul className="path-list" aria-label={t("import.fileList")}>
              {paths.map((path) => (
                <li key={path}>
                  <code>{path}</code>
                  <button
                    type="button"
                    className="ghost"
                    aria-label={t("import.removePath", { path })}
                    onClick={() => {
                      onPathsChange(paths.filter((p) => p !== path));
                      pathField.current?.focus();
                    }}
                  >
                    {t("import.remove")}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {dropReady && <p className="muted" data-testid="drop-hint">{t("import.dropHint")}</p>}
        </div>
      )}

      {kind === "text" && (
        <div className="source-text">
          <label htmlFor="import-text">{t("import.yaml")}</label>
          <textarea
            id="import-text"
            value={text}
            rows={8}
            spellCheck={false}
            onChange={(event) => changeSource(() => setText(event.target.value))}
          />
          <p className="muted">{t("import.yamlNote")}</p>
        </div>
      )}

      {kind === "defaultLocations" && <p className="muted">{t("import.defaultNote")}</p>}

      <div className="dialog-actions">
        <button type="button" className="ghost" onClick={preview} disabled={source() === null} aria-busy={busy} data-testid="run-preview">
          {t("import.preview")}
        </button>
      </div>

      {previewed && (
        <ImportPreviewGroups
          preview={previewed.preview}
          rows={previewed.rows}
          onRowsChange={(rows) => setPreviewed({ ...previewed, rows })}
        />
      )}
      {failure && <ErrorNotice error={failure.error} title={failure.title} />}

      <div className="dialog-actions">
        <button type="button" className="ghost" onClick={onClose}>
          {t("import.cancel")}
        </button>
        <button type="button" className="primary" onClick={runImport} disabled={choices.length === 0} aria-busy={busy} data-testid="run-import">
          {busy ? t("import.working") : t("import.import", { count: choices.length })}
        </button>
      </div>
    </Dialog>
  );
}
