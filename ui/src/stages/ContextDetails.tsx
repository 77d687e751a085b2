import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import {
  backend,
  toBackendError,
  type AppStatus,
  BackendError,
  type CaSource,
  type ContextDetails as Details,
  type Credential,
} from "../backend";
import Dialog from "../components/Dialog";
import ErrorNotice from "../components/ErrorNotice";
import { authLabel } from "./KubeconfigsPage";

/** A row's "Details" button and the dialog it opens. */
export default function ContextDetailsButton({ context, onRemoved }: { context: string; onRemoved: (status: AppStatus) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="role"
        aria-label={t("details.openFor", { name: context })}
        data-action="details"
        onClick={() => setOpen(true)}
      >
        {t("details.open")}
      </button>
      {open && (
        <ContextDetailsDialog
          context={context}
          onClose={() => setOpen(false)}
          onRemoved={(status) => {
            setOpen(false);
            onRemoved(status);
          }}
        />
      )}
    </>
  );
}

type Load = { details: Details } | { error: BackendError } | null;

/** Where a context points, how it signs in and where each credential is kept. Values never
 * come this far: Rust sends only each credential's field name and place. */
function ContextDetailsDialog({
  context,
  onClose,
  onRemoved,
}: {
  context: string;
  onClose: () => void;
  onRemoved: (status: AppStatus) => void;
}) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<Load>(null);

  useEffect(() => {
    backend.contextDetails(context).then(
      (details) => setLoad({ details }),
      (thrown) => setLoad({ error: toBackendError(thrown) }),
    );
  }, [context]);

  return (
    <Dialog title={t("details.title", { name: context })} onClose={onClose} className="details-panel" testId="context-details">
      {load === null && <p className="muted">{t("details.loading")}</p>}
      {load && "error" in load && <ErrorNotice error={load.error} title={t("details.failed")} />}
      {load && "details" in load && <DetailsBody details={load.details} />}
      <div className="dialog-actions">
        {load && "details" in load && load.details.imported && <RemoveAction context={context} onRemoved={onRemoved} />}
        <button type="button" className="ghost" onClick={onClose}>
          {t("details.close")}
        </button>
      </div>
    </Dialog>
  );
}

function DetailsBody({ details }: { details: Details }) {
  const { t } = useTranslation();
  const { cluster, user } = details;
  return (
    <div className="details-body">
      <dl>
        <Fact term={t("details.source")}>
          {details.imported ? t("details.imported") : details.file ? <code>{details.file}</code> : t("details.noFile")}
        </Fact>
        <Fact term={t("details.namespace")}>{details.namespace || "default"}</Fact>
        <Fact term={t("details.roles")}>
          {details.roles.length > 0 ? details.roles.map((role) => t(`kubeconfigs.${role}`)).join(", ") : t("details.noRole")}
        </Fact>
      </dl>

      <h3>{t("details.cluster", { name: cluster.name })}</h3>
      <dl>
        <Fact term={t("details.server")}>
          {cluster.server ?? <span className="warning">{t("kubeconfigs.missingCluster", { cluster: cluster.name })}</span>}
        </Fact>
        <Fact term={t("details.ca")}>{caLabel(cluster.certificateAuthority, t)}</Fact>
        {cluster.tlsServerName && (
          <Fact term={t("details.tlsServerName")}>
            <code>{cluster.tlsServerName}</code>
          </Fact>
        )}
        {cluster.insecure && (
          <Fact term={t("details.tls")}>
            <span className="warning">{t("details.tlsOff")}</span>
          </Fact>
        )}
        {cluster.proxyUrl && (
          <Fact term={t("details.proxy")}>
            <code>{cluster.proxyUrl}</code>
          </Fact>
        )}
      </dl>

      <h3>{t("details.user", { name: user.name })}</h3>
      <dl>
        <Fact term={t("details.auth")}>{authLabel(user.auth, t)}</Fact>
        <Fact term={t("details.credentials")}>
          {user.credentials.length === 0 ? (
            t("details.noCredentials")
          ) : (
            <ul className="credentials" data-testid="credentials">
              {user.credentials.map((credential) => (
                <CredentialLine key={credential.field} context={details.name} credential={credential} />
              ))}
            </ul>
          )}
        </Fact>
        {user.exec && (
          <>
            <Fact term={t("details.exec")}>
              <code>{[user.exec.command, ...user.exec.args].join(" ")}</code>
              {user.exec.envNames.length > 0 && (
                <span className="secondary">{t("details.envNames", { names: user.exec.envNames.join(", ") })}</span>
              )}
            </Fact>
            {user.exec.installHint && <Fact term={t("details.installHint")}>{user.exec.installHint}</Fact>}
          </>
        )}
      </dl>
    </div>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** One credential as ••••; "Copy" asks Rust to put the value on the clipboard, so it never
 * passes through this page. Values kept in a file are copied from that file by the user. */
function CredentialLine({ context, credential }: { context: string; credential: Credential }) {
  const { t } = useTranslation();
  const { place } = credential;
  const [copy, setCopy] = useState<"idle" | "copied" | BackendError>("idle");
  const copyValue = () =>
    backend.copyCredential(context, credential.field).then(
      () => setCopy("copied"),
      (thrown) => setCopy(toBackendError(thrown)),
    );
  return (
    <li data-field={credential.field}>
      <code>{credential.field}</code>
      <span className="masked" aria-label={t("details.hidden")}>
        ••••
      </span>
      <span className="muted">
        {place.kind === "file" ? t("details.place.file", { path: place.path }) : t(`details.place.${place.kind}`)}
      </span>
      {place.kind !== "file" && (
        <button type="button" className="ghost" onClick={copyValue} aria-label={t("details.copyLabel", { field: credential.field })}>
          {t("details.copy")}
        </button>
      )}
      <span role="status" className="muted">
        {copy === "copied" && t("details.copied")}
      </span>
      {copy instanceof BackendError && <ErrorNotice error={copy} title={t("details.copyFailed")} />}
    </li>
  );
}

/** "Remove from app", asked twice: the credentials go with it. */
function RemoveAction({ context, onRemoved }: { context: string; onRemoved: (status: AppStatus) => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  // Back from "Keep it", focus returns to the button that asked (it was unmounted meanwhile).
  const [askedBefore, setAskedBefore] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const remove = () => {
    setError(null);
    backend.removeContexts([context]).then(onRemoved, (thrown) => setError(toBackendError(thrown)));
  };

  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)} autoFocus={askedBefore}>
        {t("details.remove")}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={t("details.remove")}>
      <p>{t("details.confirmRemove", { name: context })}</p>
      {error && <ErrorNotice error={error} title={t("details.removeFailed")} />}
      <button type="button" className="danger" onClick={remove} autoFocus>
        {t("details.confirm")}
      </button>
      <button type="button" className="ghost" onClick={() => {
          setConfirming(false);
          setAskedBefore(true);
        }}
      >
        {t("details.keep")}
      </button>
    </div>
  );
}

function caLabel(ca: CaSource, t: (key: string, options?: Record<string, unknown>) => string): ReactNode {
  switch (ca.kind) {
    case "embedded":
      return t("details.caEmbedded", { bytes: ca.bytes });
    case "file":
      return t("details.caFile", { path: ca.path });
    case "system":
      return t("details.caSystem");
  }
}
