import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type AgentImageOutcome, type BackendError, type PullCheck } from "../backend";
import ErrorNotice from "../components/ErrorNotice";
import Pending from "../components/Pending";

type Check = { running: true } | { result: PullCheck } | { error: BackendError } | null;
type HostWrite = { outcome: AgentImageOutcome } | { error: BackendError } | null;

/** tower's default agent image (repository and tag), as found under the mirror. */
const TOWER_IMAGE = "kubesphere/tower:v0.2.1";

/** KubeSphere's own alternative: `agentImage` on the host, for every member joined from now
 * on. A server dry run first says what would change; then one click writes it. */
function HostAgentImage({ host, image }: { host: string; image: string }) {
  const { t } = useTranslation();
  const [checked, setChecked] = useState<HostWrite>(null);
  const [written, setWritten] = useState<HostWrite>(null);
  const [busy, setBusy] = useState(false);
  const run = async (dryRun: boolean) => {
    setBusy(true);
    const set = dryRun ? setChecked : setWritten;
    try {
      set({ outcome: await backend.setAgentImage(host, image, dryRun) });
    } catch (thrown) {
      set({ error: toBackendError(thrown) });
    } finally {
      setBusy(false);
    }
  };
  const preview = checked && "outcome" in checked ? checked.outcome : null;
  const done = written && "outcome" in written ? written.outcome : null;
  return (
    <details className="host-agent-image" data-testid="host-agent-image">
      <summary>{t("airGap.hostImage.title")}</summary>
      <p className="muted">{t("airGap.hostImage.explain", { image })}</p>
      <button type="button" className="ghost" onClick={() => run(true)} disabled={busy} data-testid="check-host-agent-image">
        {t("airGap.hostImage.check")}
      </button>
      {checked && "error" in checked && <ErrorNotice error={checked.error} title={t("airGap.hostImage.failed")} />}
      {preview && !done && (
        <div className="stack" data-testid="host-agent-image-preview">
          <p>
            {preview.unchanged
              ? t("airGap.hostImage.unchanged", { image })
              : t("airGap.hostImage.wouldWrite", { place: preview.description, image, previous: preview.previous ?? t("airGap.hostImage.default") })}
          </p>
          {!preview.unchanged && (
            <button type="button" onClick={() => run(false)} disabled={busy} data-testid="write-host-agent-image">
              {t("airGap.hostImage.write")}
            </button>
          )}
        </div>
      )}
      {written && "error" in written && <ErrorNotice error={written.error} title={t("airGap.hostImage.failed")} />}
      {done && (
        <p className="ok" role="status" data-testid="host-agent-image-written">
          {t("airGap.hostImage.written", { place: done.description, image })}
        </p>
      )}
    </details>
  );
}

/** The Cluster Configuration step's "Air-gapped member" part: find out whether the member
 * reaches docker.io (a pull check on the member), and point it at a mirror registry. The
 * mirror goes into the Cluster Configuration (`onConfig`), where both the agent and ks-core
 * read it; the registry's password goes to the OS keyring through Rust and never comes back. */
export default function AirGapPanel({ host, member, config, onConfig }: { host: string; member: string | null; config: string; onConfig: (config: string) => void }) {
  const { t } = useTranslation();
  const [check, setCheck] = useState<Check>(null);
  const [open, setOpen] = useState(false);
  const [registry, setRegistry] = useState("");
  const [pullSecret, setPullSecret] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [savedUser, setSavedUser] = useState<string | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [applied, setApplied] = useState<string | null>(null);

  const runCheck = async () => {
    if (!member) return;
    setCheck({ running: true });
    try {
      const result = await backend.checkPublicPull(member);
      setCheck({ result });
      if (result.pulled === false) setOpen(true);
    } catch (thrown) {
      setCheck({ error: toBackendError(thrown) });
    }
  };

  // Whether a login is saved for the registry typed (user name only; debounced).
  useEffect(() => {
    const typed = registry.trim();
    if (!typed) {
      setSavedUser(null);
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      backend.registryLogin(typed).then(
        (user) => alive && setSavedUser(user),
        () => alive && setSavedUser(null),
      );
    }, 300);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [registry]);

  const apply = async () => {
    setError(null);
    try {
      const typed = registry.trim();
      if (username && password) {
        await backend.saveRegistryLogin(typed, username, password);
        setSavedUser(username);
        setPassword("");
      }
      onConfig(await backend.mirrorConfig(config, typed, pullSecret.trim() || null));
      setApplied(typed);
    } catch (thrown) {
      setError(toBackendError(thrown));
    }
  };

  const result = check && "result" in check ? check.result : null;
  return (
    <section className="air-gap" aria-labelledby="air-gap-title" data-testid="air-gap">
      <h5 id="air-gap-title">{t("airGap.title")}</h5>
      <p className="muted">{t("airGap.explain")}</p>
      <div className="field-actions">
        <button type="button" className="ghost" onClick={runCheck} disabled={!member || (check !== null && "running" in check)} data-testid="check-public-pull">
          {t("airGap.check")}
        </button>
        {!open && (
          <button type="button" className="ghost" onClick={() => setOpen(true)} data-testid="use-mirror">
            {t("airGap.useMirror")}
          </button>
        )}
      </div>
      <Pending active={check !== null && "running" in check} label={t("airGap.checking")} testId="public-pull-checking" />
      {check && "error" in check && <ErrorNotice error={check.error} title={t("airGap.checkFailed")} />}
      {result && (
        <p className={`notice ${result.pulled === false ? "warning-notice" : ""}`} role="status" data-testid="public-pull-result" data-pulled={String(result.pulled)}>
          {result.pulled === true
            ? t("airGap.reachable", { image: result.image })
            : result.pulled === false
              ? t("airGap.unreachable", { image: result.image, detail: result.detail })
              : t("airGap.unknown", { detail: result.detail })}
        </p>
      )}
      {open && (
        <div className="air-gap-fields">
          <div className="field">
            <label htmlFor="mirror-registry">{t("airGap.registry")}</label>
            <input id="mirror-registry" value={registry} onChange={(event) => setRegistry(event.target.value)} placeholder="mirror.local:5000" spellCheck={false} autoCapitalize="off" />
            <p className="field-hint">{t("airGap.registryHint")}</p>
          </div>
          <div className="field">
            <label htmlFor="mirror-pull-secret">{t("airGap.pullSecret")}</label>
            <input id="mirror-pull-secret" value={pullSecret} onChange={(event) => setPullSecret(event.target.value)} placeholder="mirror-pull" spellCheck={false} autoCapitalize="off" />
            <p className="field-hint">{t("airGap.pullSecretHint")}</p>
          </div>
          <fieldset className="field">
            <legend>{t("airGap.login")}</legend>
            {savedUser && (
              <p className="muted" data-testid="saved-login">
                {t("airGap.savedLogin", { user: savedUser })}
              </p>
            )}
            <label htmlFor="mirror-username">{t("airGap.username")}</label>
            <input id="mirror-username" value={username} onChange={(event) => setUsername(event.target.value)} autoComplete="off" spellCheck={false} />
            <label htmlFor="mirror-password">{t("airGap.password")}</label>
            <input id="mirror-password" type="password" value={password} onChange={(event) => setPassword(event.target.value)} autoComplete="off" />
            <p className="field-hint">{t("airGap.loginHint")}</p>
          </fieldset>
          <div className="field-actions">
            <button type="button" onClick={apply} disabled={!registry.trim()} data-testid="apply-mirror">
              {t("airGap.apply")}
            </button>
          </div>
          {error && <ErrorNotice error={error} title={t("airGap.applyFailed")} />}
          {applied && (
            <>
              <p className="muted" role="status" data-testid="mirror-applied">
                {t("airGap.applied", { registry: applied })}
              </p>
              <HostAgentImage host={host} image={`${applied}/${TOWER_IMAGE}`} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
