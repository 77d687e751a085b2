// The only door to the Rust side: every `invoke` goes through the generated bindings,
// and every failure comes out as a BackendError with the Rust error's kind, message and hint.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import {
  commands,
  type ApplyStep,
  type CheckResult,
  type ClusterForm_Serialize,
  type ErrorKind,
  type Filter_Deserialize,
  type ImportChoice_Deserialize,
  type ImportSource,
  type RemovalStep_Deserialize,
  type RemovalStep_Serialize,
  type Role,
  type WatchUpdate_Deserialize,
  type WatchUpdate_Serialize,
} from "./bindings";

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
// Add cluster, Join, Clusters & history: what Rust sends, under friendly names.
export type {
  AddOutcome,
  ApplyOutcome_Serialize as ApplyOutcome,
  ApplyPlan_Serialize as ApplyPlan,
  ApplyStep,
  ClusterPreview_Serialize as ClusterPreview,
  ClusterSummary_Serialize as ClusterSummary,
  ConditionView_Serialize as ConditionView,
  Diagnosis,
  DiagnosisCode,
  EntrySource,
  FieldPlacement,
  FieldProblem_Serialize as FieldProblem,
  FormField,
  FormOptions_Serialize as FormOptions,
  Group,
  HostTag_Serialize as HostTag,
  JoinPhase,
  JoinRecord_Serialize as JoinRecord,
  JoinSnapshot_Serialize as JoinSnapshot,
  JoinStep,
  ManifestSource,
  ManifestView_Serialize as ManifestView,
  ObjectId,
  PlanAction,
  PlanItem_Serialize as PlanItem,
  ProblemCode,
  ReachReport_Serialize as ReachReport,
  RemovalAction,
  RemovalItem_Serialize as RemovalItem,
  RemovalOutcome_Serialize as RemovalOutcome,
  RemovalPlan_Serialize as RemovalPlan,
  Severity,
  Side,
  StaleAgent_Serialize as StaleAgent,
  Tag,
  TimelineEntry_Serialize as TimelineEntry,
  AgentImageOutcome,
  BundleOutcome,
  Mirror,
  NeededImage,
  PullCheck_Serialize as PullCheck,
} from "./bindings";
/** What the Add cluster form holds (and sends): every field present. */
export type ClusterForm = ClusterForm_Serialize;
export type WatchUpdate = WatchUpdate_Serialize;
export type RemovalStep = RemovalStep_Serialize;
// History: the local audit log, as Rust reads it back (checked).
export type {
  Action as AuditAction,
  AuditLog_Serialize as AuditLog,
  Entry_Serialize as AuditEntry,
  Integrity as AuditIntegrity,
  Outcome as AuditResult,
} from "./bindings";
/** Which entries to read: all of them when empty. */
export type AuditFilter = Filter_Deserialize;
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

const KNOWN_KINDS: readonly string[] = ["invalidInput", "notFound", "io", "unavailable", "connection", "internal", "cancelled"] satisfies ErrorKind[];

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

let tasksStarted = 0;
/** A fresh name for a read-only wait the page may stop with `backend.cancelTask`. */
export function taskName(what: string): string {
  tasksStarted += 1;
  return `${what}-${tasksStarted}`;
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
  testConnection: (context: string, task: string) => call(() => commands.testConnection(context, task)),
  /** Stops the read-only wait started as `task`; false when it had already finished. */
  cancelTask: (task: string) => call(() => commands.cancelTask(task)),
  previewImport: (source: ImportSource) => call(() => commands.previewImport(source)),
  importContexts: (source: ImportSource, choices: ImportChoice[]) => call(() => commands.importContexts(source, choices)),
  contextDetails: (context: string) => call(() => commands.contextDetails(context)),
  removeContexts: (contexts: string[]) => call(() => commands.removeContexts(contexts)),
  /** Rust puts the value on the clipboard; it never comes back to the page. */
  copyCredential: (context: string, field: string) => call(() => commands.copyCredential(context, field)),
  /** Runs the host preflight; `onResult` sees each check the moment it finishes. */
  hostPreflight: (context: string, task: string, onResult: (result: CheckResult) => void) => {
    const channel = new Channel<CheckResult>();
    channel.onmessage = onResult;
    return call(() => commands.hostPreflight(context, task, channel));
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

  /** The host's tags, the console's providers and groups, the default Cluster Configuration, limits. */
  clusterFormOptions: (context: string) => call(() => commands.clusterFormOptions(context)),
  /** The name's problems, "taken" on the host included (the form's live check). */
  checkClusterName: (context: string, name: string) => call(() => commands.checkClusterName(context, name)),
  /** Every problem of the form and the Cluster object it would become; writes nothing. */
  previewCluster: (context: string, form: ClusterForm) => call(() => commands.previewCluster(context, form)),
  /** Creates the Cluster (and new tags) after a server dry run; with `dryRun` only the dry run. */
  addCluster: (hostContext: string, memberContext: string | null, form: ClusterForm, dryRun: boolean) =>
    call(() => commands.addCluster(hostContext, memberContext, form, dryRun)),
  /** agent.yaml with the join token masked: the page never holds the token. */
  agentManifest: (context: string, cluster: string) => call(() => commands.agentManifest(context, cluster)),
  /** Rust writes agent.yaml, token included, to `path` (owner-only); returns the path written. */
  exportAgentManifest: (context: string, cluster: string, path: string) => call(() => commands.exportAgentManifest(context, cluster, path)),
  /** A server dry run of each object of agent.yaml on the member. */
  planAgentApply: (hostContext: string, memberContext: string, cluster: string) =>
    call(() => commands.planAgentApply(hostContext, memberContext, cluster)),
  /** Whether the member's nodes reach tower at agent.yaml's address (a probe Pod per node). */
  probeMemberReach: (hostContext: string, memberContext: string, cluster: string) =>
    call(() => commands.probeMemberReach(hostContext, memberContext, cluster)),
  /** Applies agent.yaml object by object; `onStep` hears each object before and after. */
  applyAgent: (hostContext: string, memberContext: string, cluster: string, onStep: (step: ApplyStep) => void) => {
    const channel = new Channel<ApplyStep>();
    channel.onmessage = onStep;
    return call(() => commands.applyAgent(hostContext, memberContext, cluster, channel));
  },
  /** Follows the join until Ready (the final snapshot) or until stopped or replaced (null). */
  watchJoin: (hostContext: string, memberContext: string | null, cluster: string, onUpdate: (update: WatchUpdate) => void) => {
    const channel = new Channel<WatchUpdate_Deserialize>();
    // Rust sends every field (nulls included): the Serialize shape.
    channel.onmessage = (update) => onUpdate(update as WatchUpdate);
    return call(() => commands.watchJoin(hostContext, memberContext, cluster, channel));
  },
  stopJoinWatch: (cluster: string) => call(() => commands.stopJoinWatch(cluster)),
  /** This machine's joins on `context`, newest first: what a join resumes from. Local only. */
  joinRecords: (context: string) => call(() => commands.joinRecords(context)),
  /** Members joined from this machine whose agent dials another address than tower gives now
   * (or could not be read); `applyAgent` re-points one. */
  staleAgents: (context: string) => call(() => commands.staleAgents(context)),
  /** This machine's audit log, oldest first, with whether its hash chain is intact. Local only. */
  auditLog: (filter: AuditFilter = {}) => call(() => commands.auditLog(filter)),
  listClusters: (context: string) => call(() => commands.listClusters(context)),
  /** What removing `cluster` would delete or change on the host and the member; writes nothing. */
  planClusterRemoval: (hostContext: string, memberContext: string | null, cluster: string) =>
    call(() => commands.planClusterRemoval(hostContext, memberContext, cluster)),
  /** Removes the cluster and cleans the member; `confirmation` must be the name (Rust checks). */
  removeCluster: (
    hostContext: string,
    memberContext: string | null,
    cluster: string,
    confirmation: string,
    onStep: (step: RemovalStep) => void,
  ) => {
    const channel = new Channel<RemovalStep_Deserialize>();
    channel.onmessage = (step) => onStep(step as RemovalStep);
    return call(() => commands.removeCluster(hostContext, memberContext, cluster, confirmation, channel));
  },

  // Air-gapped members.
  /** Runs tower's public agent image once on the member: does it reach docker.io? */
  checkPublicPull: (memberContext: string) => call(() => commands.checkPublicPull(memberContext)),
  /** Runs the agent's image as agent.yaml names it (mirror, pull secret) on the member. */
  checkAgentImage: (hostContext: string, memberContext: string, cluster: string) =>
    call(() => commands.checkAgentImage(hostContext, memberContext, cluster)),
  /** The Cluster Configuration pointing the member at `registry` (and its pull secret). */
  mirrorConfig: (config: string, registry: string, pullSecret: string | null) =>
    call(() => commands.mirrorConfig(config, registry, pullSecret)),
  /** The password goes to the OS keyring and never comes back. */
  saveRegistryLogin: (registry: string, username: string, password: string) =>
    call(() => commands.saveRegistryLogin(registry, username, password)),
  /** The user name of the login saved for `registry`, or null. */
  registryLogin: (registry: string) => call(() => commands.registryLogin(registry)),
  forgetRegistryLogin: (registry: string) => call(() => commands.forgetRegistryLogin(registry)),
  /** tower's agent image on the host, for every member from now on; `dryRun`: the server's check only. */
  setAgentImage: (context: string, image: string, dryRun: boolean) => call(() => commands.setAgentImage(context, image, dryRun)),
  /** Rust writes the offline bundle (agent.yaml, images, mirror script, README, checksums). */
  exportJoinBundle: (context: string, cluster: string, dir: string, includeToken: boolean) =>
    call(() => commands.exportJoinBundle(context, cluster, dir, includeToken)),
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
