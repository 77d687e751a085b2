import { useTranslation } from "react-i18next";
import { toBackendError, type Candidate, type ImportPreview } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import { authLabel } from "./KubeconfigsPage";

/** What the user decided for one candidate. */
export type RowChoice = { include: boolean; saveAs: string; replace: boolean };

/** Every context ticked unless it cannot be imported, under the name Rust suggests. */
export function initialRows(preview: ImportPreview): RowChoice[][] {
  return preview.groups.map((group) =>
    group.contexts.map((candidate) => ({ include: !candidate.problem, saveAs: candidate.suggestedName, replace: false })),
  );
}

/** What each file (or the pasted text) holds, one table per group, with a name to save each
 * context under and what stands in the way. Nothing here is saved. */
export default function ImportPreviewGroups({
  preview,
  rows,
  onRowsChange,
}: {
  preview: ImportPreview;
  rows: RowChoice[][];
  onRowsChange: (rows: RowChoice[][]) => void;
}) {
  const { t } = useTranslation();
  const update = (g: number, c: number, change: Partial<RowChoice>) =>
    onRowsChange(rows.map((group, i) => (i === g ? group.map((row, j) => (j === c ? { ...row, ...change } : row)) : group)));

  return (
    <div className="import-preview" data-testid="import-preview">
      {preview.groups.map((group, g) => (
        <section key={g} className="import-group" aria-label={group.label} data-group={g}>
          <h3>
            <code>{group.label}</code>
          </h3>
          {group.error ? (
            <ErrorNotice error={toBackendError(group.error)} title={t("import.groupFailed")} />
          ) : group.contexts.length === 0 ? (
            <p className="muted">{t("import.groupEmpty")}</p>
          ) : (
            <div className="table-scroll">
              <table className="context-table candidates">
                <thead>
                  <tr>
                    <th scope="col">{t("import.columns.include")}</th>
                    <th scope="col">{t("import.columns.context")}</th>
                    <th scope="col">{t("import.columns.saveAs")}</th>
                    <th scope="col">{t("import.columns.server")}</th>
                  </tr>
                </thead>
                <tbody>
                  {group.contexts.map((candidate, c) => (
                    <CandidateRow
                      key={candidate.name}
                      candidate={candidate}
                      row={rows[g]![c]!}
                      onChange={(change) => update(g, c, change)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </div>
  );
}

function CandidateRow({
  candidate,
  row,
  onChange,
}: {
  candidate: Candidate;
  row: RowChoice;
  onChange: (change: Partial<RowChoice>) => void;
}) {
  const { t } = useTranslation();
  const { conflict, problem } = candidate;
  return (
    <tr data-candidate={candidate.name}>
      <td>
        <input
          type="checkbox"
          checked={row.include}
          onChange={(event) => onChange({ include: event.target.checked })}
          aria-label={t("import.include", { name: candidate.name })}
        />
      </td>
      <th scope="row">
        <span className="context-name">{candidate.name}</span>
        <span className="secondary">{t("import.clusterUser", { cluster: candidate.cluster, user: candidate.user })}</span>
        {conflict && (
          <span className="conflict">
            <span className="badge warning">{t(`import.conflict.${conflict.kind}.badge`)}</span>
            <span className="secondary">{t(`import.conflict.${conflict.kind}.explain`)}</span>
          </span>
        )}
        {problem && <span className="secondary warning">{problem}</span>}
      </th>
      <td>
        <input
          type="text"
          className="save-as"
          value={row.saveAs}
          spellCheck={false}
          disabled={!row.include}
          aria-invalid={row.include && !row.saveAs.trim()}
          onChange={(event) => onChange({ saveAs: event.target.value })}
          aria-label={t("import.saveAs", { name: candidate.name })}
        />
        {conflict?.kind === "imported" && (
          <label className="replace">
            <input
              type="checkbox"
              checked={row.replace}
              disabled={!row.include}
              // Replacing means saving under the imported context's own name.
              onChange={(event) =>
                onChange({ replace: event.target.checked, saveAs: event.target.checked ? candidate.name : candidate.suggestedName })
              }
            />
            {t("import.replace")}
          </label>
        )}
      </td>
      <td>
        {candidate.server ?? <span className="warning">{t("kubeconfigs.missingCluster", { cluster: candidate.cluster })}</span>}
        <span className="secondary">
          {authLabel(candidate.auth, t)}
          {candidate.insecure && <span className="badge warning">{t("kubeconfigs.insecure")}</span>}
        </span>
        <span className="secondary">{t("kubeconfigs.namespace", { namespace: candidate.namespace || "default" })}</span>
      </td>
    </tr>
  );
}
