import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError, type BundleOutcome, type ManifestView, type PullCheck } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";

/** Where the member pulls from, and every image the join makes it pull (public source and
 * the reference pulled): what to mirror for an air-gapped member. */
export function MirrorFacts({ view }: { view: ManifestView }) {
  const { t } = useTranslation();
  const secret = view.pullSecret ?? view.mirror?.pullSecrets[0] ?? null;
  return (
    <div className="stack" data-testid="mirror-facts">
      {view.mirror && (
        <p className="hint-box" data-testid="mirror-registry">
          {t("join.image.mirror", { registry: view.mirror.registry })}
          {secret && <>; {view.pullSecret ? t("join.image.pullSecretNew", { name: secret }) : t("join.image.pullSecretExisting", { name: secret })}</>}
        </p>
      )}
      {view.neededImages.length > 0 && (
        <details>
          <summary>{t("join.image.needed")}</summary>
          <div className="table-scroll">
            <table className="data-table" data-testid="needed-images">
              <thead>
                <tr>
                  <th scope="col">{t("join.image.pulledAs")}</th>
                  <th scope="col">{t("join.image.publicSource")}</th>
                  <th scope="col">{t("join.image.usedBy")}</th>
                </tr>
              </thead>
              <tbody>
                {view.neededImages.map((image) => (
                  <tr key={image.mirror}>
                    <td>
                      <code>{image.mirror}</code>
                    </td>
                    <td>
                      <code>{image.source}</code>
                    </td>
                    <td>{image.usedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}

type CheckLoad = { check: PullCheck | null } | { error: BackendError } | null;

/** The member pulls the agent's image once, as agent.yaml names it, before the apply.
 * `onResult` tells the page whether the apply must wait (the image cannot be pulled). */
export function ImageCheck({
  host,
  member,
  cluster,
  disabled,
  onResult,
}: {
  host: string;
  member: string | null;
  cluster: string;
  disabled: boolean;
  onResult: (blocked: boolean) => void;
}) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<CheckLoad>(null);
  const [checking, setChecking] = useState(false);

  const run = async () => {
    if (!member) return;
    setChecking(true);
    try {
      const check = await backend.checkAgentImage(host, member, cluster);
      setLoad({ check });
      onResult(check?.pulled === false);
    } catch (thrown) {
      setLoad({ error: toBackendError(thrown) });
    } finally {
      setChecking(false);
    }
  };

  const check = load && "check" in load ? load.check : null;
  return (
    <div className="reach-check stack" aria-busy={checking} data-testid="image-check">
      <div className="reach-check-header">
        <p className="muted">{t("join.image.explain")}</p>
        <button type="button" onClick={run} disabled={!member || checking || disabled} aria-busy={checking} data-testid="check-image">
          {load ? t("join.image.recheck") : t("join.image.check")}
        </button>
      </div>
      <Pending active={checking} label={t("join.image.checking")} />
      {load && "error" in load && <ErrorNotice error={load.error} title={t("join.image.failed")} />}
      {check && (
        <p className={check.pulled === false ? "warning" : check.pulled ? "ok" : "muted"} role="status" data-testid="image-result" data-pulled={String(check.pulled)}>
          {check.pulled === true
            ? t("join.image.pulled", { image: check.image })
            : check.pulled === false
              ? t("join.image.notPulled", { image: check.image, detail: check.detail })
              : t("join.image.unknown", { detail: check.detail })}
        </p>
      )}
    </div>
  );
}

type Written = { outcome: BundleOutcome } | { error: BackendError } | null;

/** Has Rust write the offline bundle to a folder the user names; the token only on request. */
export function BundleExport({ host, cluster }: { host: string; cluster: string }) {
  const { t } = useTranslation();
  const [dir, setDir] = useState("");
  const [includeToken, setIncludeToken] = useState(false);
  const [writing, setWriting] = useState(false);
  const [written, setWritten] = useState<Written>(null);

  const write = async (event: FormEvent) => {
    event.preventDefault();
    setWriting(true);
    setWritten(null);
    try {
      setWritten({ outcome: await backend.exportJoinBundle(host, cluster, dir.trim(), includeToken) });
    } catch (thrown) {
      setWritten({ error: toBackendError(thrown) });
    } finally {
      setWriting(false);
    }
  };

  const outcome = written && "outcome" in written ? written.outcome : null;
  return (
    <details className="bundle-export" data-testid="bundle-export">
      <summary>{t("join.bundle.title")}</summary>
      <p className="muted">{t("join.bundle.explain")}</p>
      <form className="inline-form" onSubmit={write}>
        <label htmlFor="bundle-dir">{t("join.bundle.dir")}</label>
        <input id="bundle-dir" value={dir} onChange={(event) => setDir(event.target.value)} placeholder={t("join.bundle.placeholder")} spellCheck={false} autoComplete="off" />
        <label className="checkbox">
          <input type="checkbox" checked={includeToken} onChange={(event) => setIncludeToken(event.target.checked)} data-testid="bundle-include-token" />
          {t("join.bundle.includeToken")}
        </label>
        <button type="submit" disabled={writing || dir.trim() === ""} aria-busy={writing} data-testid="write-bundle">
          {t("join.bundle.export")}
        </button>
      </form>
      <Pending active={writing} label={t("join.bundle.exporting")} />
      {outcome && (
        <div className="stack" role="status" data-testid="bundle-written">
          <p className="ok">{t("join.bundle.written", { dir: outcome.dir, files: outcome.files.length + 1, images: outcome.images.length })}</p>
          {outcome.tokenIncluded && <p className="warning">{t("join.bundle.tokenIncluded")}</p>}
          <ul className="plain-list">
            {outcome.files.map((file) => (
              <li key={file.name}>
                <code>{file.name}</code> <span className="muted">sha256 {file.sha256.slice(0, 16)}…</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {written && "error" in written && <ErrorNotice error={written.error} title={t("join.bundle.failed")} />}
    </details>
  );
}
