// The only door to the Rust side: every `invoke` goes through the generated bindings,
// and every failure comes out as a BackendError with the Rust error's kind, message and hint.
import { Channel } from "@tauri-apps/api/core";
import { commands, type CheckResult, type ErrorKind, type Role } from "./bindings";

export type { AppStatus, AuthKind, ConnectionReport, ContextSummary, ErrorKind, KubeconfigSummary, Role, Stage, Target } from "./bindings";
export type { AddressReport, CheckId, CheckResult, DiffRow, Reachability, RestoreOutcome, SetOutcome, SetPlan, Verdict } from "./bindings";
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

const KNOWN_KINDS: readonly string[] = ["invalidInput", "notFound", "io", "internal", "connection"] satisfies ErrorKind[];

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
