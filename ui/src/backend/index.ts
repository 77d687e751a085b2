// The only door to the Rust side: every `invoke` goes through the generated bindings,
// and every failure comes out as a BackendError with the Rust error's kind, message and hint.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { commands, type CheckResult, type ErrorKind, type ImportChoice_Deserialize, type ImportSource, type Role } from "./bindings";

export type {
  AppStatus,
  AuthKind,
  CaSource,
  Candidate,
  Conflict,
  ContextDetails,
  ConnectionReport,
  ContextSummary,
  Credential,
  ErrorKind,
  FoundGroup,
  ImportOutcome,
  ImportPreview,
  ImportSource,
  KubeconfigSummary,
  Role,
  Stage,
  Target,
} from "./bindings";
export type { AddressReport, CheckId, CheckResult, DiffRow, Reachability, RestoreOutcome, SetOutcome, SetPlan, Verdict } from "./bindings";
export type ImportChoice = ImportChoice_Deserialize;
export { STAGES } from "./bindings";

export class BackendError extends Error {
  readonly kind: ErrorKind | "unknown";
  readonly hint: string | null;

  constructor(kind: ErrorKind | "unknown", message: string, hint: string | null) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
    this.hint = hint;
  }
}

const KNOWN_KINDS: readonly string[] = ["invalidInput", "notFound", "io", "unavailable", "connection", "internal"] satisfies ErrorKind[];

/** Accepts whatever a rejected invoke gives and keeps only the `{ kind, message, hint }` shape;
 * a kind this UI does not know yet (a newer backend) becomes "unknown" instead of crashing. */
export function toBackendError(thrown: unknown): BackendError {
  if (thrown instanceof BackendError) return thrown;
  if (typeof thrown === "object" && thrown !== null && "message" in thrown) {
    const { kind, message, hint } = thrown as { kind?: unknown; message: unknown; hint?: unknown };
    const knownKind = typeof kind === "string" && KNOWN_KINDS.includes(kind) ? (kind as ErrorKind) : "unknown";
    return new BackendError(knownKind, String(message), typeof hint === "string" ? hint : null);
  }
  return new BackendError("unknown", String(thrown), null);
}

async function call<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (thrown) {
    throw toBackendError(thrown);
  }
}

export const backend = {
  appStatus: () => call(commands.appStatus),
  kubeconfigSummary: () => call(commands.kubeconfigSummary),
  assignRole: (role: Role, context: string) => call(() => commands.assignRole(role, context)),
  useOwnKubeconfigs: () => call(commands.useOwnKubeconfigs),
  /** Contacts the context's cluster: only when the user asks. A failed connection is a report, not an error. */
  testConnection: (context: string) => call(() => commands.testConnection(context)),
  previewImport: (source: ImportSource) => call(() => commands.previewImport(source)),
  importContexts: (source: ImportSource, choices: ImportChoice[]) => call(() => commands.importContexts(source, choices)),
  contextDetails: (context: string) => call(() => commands.contextDetails(context)),
  removeContexts: (contexts: string[]) => call(() => commands.removeContexts(contexts)),
  /** Rust puts the value on the clipboard; it never comes back to the page. */
  copyCredential: (context: string, field: string) => call(() => commands.copyCredential(context, field)),
  /** Runs the host preflight; `onResult` sees each check the moment it finishes. */
  hostPreflight: (context: string, onResult: (result: CheckResult) => void) => {
    const channel = new Channel<CheckResult>();
    channel.onmessage = onResult;
    return call(() => commands.hostPreflight(context, channel));
  },
  proxyAddressReport: (context: string) => call(() => commands.proxyAddressReport(context)),
  /** What setting `url` would change; writes nothing. */
  planProxyAddress: (context: string, url: string) => call(() => commands.planProxyAddress(context, url)),
  /** Server dry run, backup, write, read back; with `dryRun` only the server's check. */
  setProxyAddress: (context: string, url: string, dryRun: boolean) => call(() => commands.setProxyAddress(context, url, dryRun)),
  restoreProxyAddress: (context: string) => call(() => commands.restoreProxyAddress(context)),
  probeProxyAddress: (url: string) => call(() => commands.probeProxyAddress(url)),
  /** KubeSphere 3.x reads the address at start-up: roll ks-apiserver. */
  restartKsApiserver: (context: string) => call(() => commands.restartKsApiserver(context)),
};

/** A drag of files over the window, as Tauri reports it (the webview itself never sees
 * dropped files: Tauri takes the drop and hands over their paths). */
export type FileDrag = { type: "enter"; paths: string[] } | { type: "drop"; paths: string[] } | { type: "leave" };

/** Listens for files dragged onto the window; resolves to the function that stops listening.
 * Rejects where the window cannot report drops (no Tauri runtime, or listening not allowed). */
export async function onFileDrag(listener: (drag: FileDrag) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent(({ payload }) => {
    if (payload.type === "over") return;
    listener(payload.type === "leave" ? { type: "leave" } : { type: payload.type, paths: payload.paths });
  });
}
