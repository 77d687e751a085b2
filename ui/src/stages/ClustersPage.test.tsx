import { describe, expect, it, vi, beforeEach } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import ClustersPage from "./ClustersPage";
import {
  commands,
  type ClusterSummary_Serialize as ClusterSummary,
  type JoinRecord_Serialize as JoinRecord,
  type RemovalPlan_Serialize as RemovalPlan,
  type RemovalStep_Serialize as RemovalStep,
} from "../backend/bindings";

vi.mock("@tauri-apps/api/core", async (importOriginal) => {
  const real = await importOriginal<typeof import("@tauri-apps/api/core")>();
  class FakeChannel<T> {
    onmessage: (message: T) => void = () => {};
  }
  return { ...real, Channel: FakeChannel };
});
vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return { ...real, commands: { listClusters: vi.fn(), joinRecords: vi.fn(), planClusterRemoval: vi.fn(), removeCluster: vi.fn(), auditLog: vi.fn() } };
});
const mocked = vi.mocked(commands);

const summary = (name: string, extra: Partial<ClusterSummary> = {}): ClusterSummary => ({
  name,
  alias: null,
  description: null,
  host: false,
  connection: "proxy",
  provider: "",
  group: null,
  tags: [],
  ready: true,
  step: "ready",
  kubernetesVersion: "v1.30.4",
  kubesphereVersion: "v4.1.3",
  nodeCount: 3,
  created: "2026-01-02T09:00:00Z",
  joinedHere: false,
  deleting: false,
  ...extra,
});
const CLUSTERS: ClusterSummary[] = [
  summary("host", { host: true, connection: "direct" }),
  summary("edge", {
    alias: "边缘",
    provider: "Amazon EKS",
    group: "testing",
    tags: [
      { key: "env", value: "prod" },
      { key: "zone", value: "eu" },
    ],
    joinedHere: true,
  }),
  summary("pending", { ready: false, step: "initialized", kubesphereVersion: null, kubernetesVersion: null, nodeCount: null }),
];
const RECORD: JoinRecord = {
  hostContext: "prod-host",
  memberContext: "edge-member",
  cluster: "edge",
  phase: "ready",
  clusterUid: "uid",
  createdTags: ["zone01"],
  boundTags: ["env001"],
  memberCreated: [],
  memberExisting: [],
  memberCrdsBefore: [],
  createdUnixMs: 1_700_000_000_000,
  updatedUnixMs: 1_700_000_100_000,
};
const object = (kind: string, name: string, namespace = "") => ({ apiVersion: "v1", kind, namespace, name });
const PLAN: RemovalPlan = {
  cluster: "edge",
  fromRecord: true,
  items: [
    { side: "host", object: object("Cluster", "edge"), action: "delete", reason: "the cluster", problem: null },
    { side: "host", object: object("Label", "env001"), action: "unbind", reason: "an existing tag it was added to", problem: null },
    { side: "member", object: object("Deployment", "cluster-agent", "kubesphere-system"), action: "delete", reason: "created by the join", problem: null },
    { side: "member", object: object("Namespace", "kubesphere-system"), action: "unannotate", reason: "it existed before the join", problem: "forbidden: cannot patch namespaces" },
  ],
  notes: ["CustomResourceDefinitions that were there before the join are kept."],
};

beforeEach(async () => {
  await i18n.changeLanguage("en");
  for (const fn of Object.values(mocked)) vi.mocked(fn).mockReset();
  mocked.listClusters.mockResolvedValue(CLUSTERS);
  mocked.joinRecords.mockResolvedValue([RECORD]);
  mocked.planClusterRemoval.mockResolvedValue(PLAN);
  mocked.auditLog.mockResolvedValue({ path: "/data/audit.jsonl", integrity: { state: "intact", entries: 0 }, entries: [] });
});

const row = (name: string) => screen.getByTestId("clusters-table").querySelector<HTMLElement>(`tr[data-cluster="${name}"]`)!;

describe("Clusters & history", () => {
  it("lists the host's clusters with their state, tags, versions and where they were joined", async () => {
    const user = userEvent.setup();
    render(<ClustersPage host="prod-host" member="edge-member" onNavigate={() => {}} />);
    await screen.findByTestId("clusters-table");
    expect(mocked.listClusters).toHaveBeenCalledWith("prod-host");
    const edge = row("edge");
    expect(edge.textContent).toContain("边缘");
    expect(within(edge).getByTestId("cluster-status").textContent).toBe("Ready");
    expect(within(edge).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["env=prod", "zone=eu"]);
    expect(edge.textContent).toContain("Testing");
    expect(edge.textContent).toContain("KubeSphere v4.1.3");
    expect(edge.textContent).toContain("Kubernetes v1.30.4");
    expect(edge.textContent).toContain("yes");
    expect(within(row("pending")).getByTestId("cluster-status").textContent).toBe("agent not connected");
    expect(row("host").textContent).toContain("direct");
    // The host itself cannot be removed.
    expect(within(row("host")).queryByRole("button")).toBeNull();
    expect(within(screen.getByTestId("join-history")).getByText("edge-member")).toBeTruthy();
    // The audit log, below the list in a section of its own.
    expect(within(await screen.findByTestId("history")).getByRole("heading", { name: "History" })).toBeTruthy();
    expect(mocked.auditLog).toHaveBeenCalledWith({});

    mocked.listClusters.mockResolvedValue(CLUSTERS.slice(0, 2));
    await user.click(screen.getByTestId("refresh-clusters"));
    await waitFor(() => expect(screen.getByTestId("clusters-table").querySelector('tr[data-cluster="pending"]')).toBeNull());
  });

  it("shows why the list could not be read", async () => {
    mocked.listClusters.mockRejectedValue({ kind: "connection", message: "https://10.0.0.1:6443 did not answer", hint: "Test the connection on Kubeconfigs" });
    render(<ClustersPage host="prod-host" member="edge-member" onNavigate={() => {}} />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("did not answer");
    expect(alert.textContent).toContain("Test the connection");
  });

  it("removes a cluster only after its exact name is typed, with progress per object", async () => {
    const user = userEvent.setup();
    let send: (step: RemovalStep) => void = () => {};
    let finish: () => void = () => {};
    mocked.removeCluster.mockImplementation((_h, _m, _c, _confirmation, channel) => {
      send = (step) => act(() => channel.onmessage(step));
      return new Promise((resolve) => (finish = () => act(() => resolve({ plan: PLAN, done: PLAN.items }))));
    });
    render(<ClustersPage host="prod-host" member="other-member" onNavigate={() => {}} />);
    await screen.findByTestId("clusters-table");
    const opener = within(row("edge")).getByRole("button", { name: "Remove edge…" });
    await user.click(opener);
    const dialog = await screen.findByRole("dialog", { name: "Remove cluster “edge”" });
    // The member the join was made with (from its record), not the one chosen now.
    expect(mocked.planClusterRemoval).toHaveBeenCalledWith("prod-host", "edge-member", "edge");

    const confirm = await within(dialog).findByLabelText("Type edge to confirm");
    expect(document.activeElement).toBe(confirm);
    const host = dialog.querySelector<HTMLElement>('[data-side="host"]')!;
    const member = dialog.querySelector<HTMLElement>('[data-side="member"]')!;
    expect(within(host).getByRole("heading").textContent).toBe("On the host “prod-host”");
    expect(within(host).getAllByRole("listitem").map((li) => li.dataset.object)).toEqual(["Cluster edge", "Label env001"]);
    expect(within(host).getAllByRole("listitem")[1]!.textContent).toContain("untag");
    expect(within(member).getByRole("heading").textContent).toBe("On the member “edge-member”");
    const namespace = within(member).getAllByRole("listitem")[1]!;
    expect(namespace.textContent).toContain("remove annotations");
    expect(namespace.textContent).toContain("it existed before the join");
    expect(namespace.textContent).toContain("forbidden: cannot patch namespaces");
    expect(within(dialog).getByTestId("remove-notes").textContent).toContain("CustomResourceDefinitions");
    expect(within(dialog).getByTestId("remove-origin").textContent).toBe("Planned from this app's record of the join.");

    const remove = within(dialog).getByTestId("remove-confirm-button") as HTMLButtonElement;
    expect(remove.disabled).toBe(true);
    await user.type(confirm, "edg");
    expect(remove.disabled).toBe(true);
    await user.type(confirm, "E");
    expect(remove.disabled).toBe(true);
    await user.type(confirm, "{Backspace}e");
    expect(remove.disabled).toBe(false);

    await user.click(remove);
    expect(mocked.removeCluster).toHaveBeenCalledWith("prod-host", "edge-member", "edge", "edge", expect.anything());
    // Escape does not leave a removal half-watched.
    await user.keyboard("{Escape}");
    expect(screen.getByRole("dialog")).toBeTruthy();
    const step = (index: number, done: boolean): RemovalStep => ({ index, total: 4, item: PLAN.items[index]!, done });
    send(step(0, false));
    send(step(0, true));
    send(step(1, false));
    const states = () => Array.from(dialog.querySelectorAll("li[data-object]")).map((li) => li.getAttribute("data-progress"));
    expect(states()).toEqual(["done", "working", "waiting", "waiting"]);
    expect(within(dialog).getByTestId("remove-progress").textContent).toBe("1 of 4 done");
    for (const index of [1, 2, 3]) {
      send(step(index, false));
      send(step(index, true));
    }
    mocked.listClusters.mockResolvedValue(CLUSTERS.filter((c) => c.name !== "edge"));
    finish();
    expect((await within(dialog).findByTestId("remove-progress")).textContent).toBe("“edge” is removed: 4 change(s) made.");
    expect(states()).toEqual(["done", "done", "done", "done"]);
    const close = within(dialog).getByTestId("remove-close");
    await waitFor(() => expect(document.activeElement).toBe(close));
    await user.click(close);
    expect(screen.queryByRole("dialog")).toBeNull();
    await waitFor(() => expect(screen.getByTestId("clusters-table").querySelector('tr[data-cluster="edge"]')).toBeNull());
    expect(mocked.listClusters).toHaveBeenCalledTimes(2);
    // The removal wrote to the audit log: the history is read again too.
    expect(mocked.auditLog).toHaveBeenCalledTimes(2);
  });

  it("closes on Escape before anything is removed, and shows a failed removal with its hint", async () => {
    const user = userEvent.setup();
    mocked.removeCluster.mockRejectedValue({ kind: "connection", message: "the member did not answer", hint: "nothing after Cluster edge was removed; run the removal again" });
    render(<ClustersPage host="prod-host" member="edge-member" onNavigate={() => {}} />);
    await screen.findByTestId("clusters-table");
    const opener = within(row("pending")).getByRole("button", { name: "Remove pending…" });
    await user.click(opener);
    await screen.findByRole("dialog");
    // No record for "pending": the chosen member.
    expect(mocked.planClusterRemoval).toHaveBeenCalledWith("prod-host", "edge-member", "pending");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);

    await user.click(within(row("edge")).getByRole("button", { name: "Remove edge…" }));
    const dialog = await screen.findByRole("dialog");
    await user.type(await within(dialog).findByLabelText("Type edge to confirm"), "edge");
    await user.click(within(dialog).getByTestId("remove-confirm-button"));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("The removal stopped");
    expect(alert.textContent).toContain("the member did not answer");
    expect(alert.textContent).toContain("run the removal again");
  });

  it("speaks Chinese, and says when no member is chosen", async () => {
    const user = userEvent.setup();
    await i18n.changeLanguage("zh-CN");
    mocked.joinRecords.mockResolvedValue([]);
    mocked.planClusterRemoval.mockResolvedValue({ ...PLAN, fromRecord: false, items: PLAN.items.filter((i) => i.side === "host") });
    render(<ClustersPage host="prod-host" member={null} onNavigate={() => {}} />);
    await screen.findByTestId("clusters-table");
    expect(screen.getByTestId("member-missing").textContent).toContain("尚未选择成员集群上下文。");
    expect(within(row("edge")).getByTestId("cluster-status").textContent).toBe("就绪");
    await user.click(within(row("edge")).getByRole("button", { name: "移除 edge…" }));
    const dialog = await screen.findByRole("dialog", { name: "移除集群“edge”" });
    expect(mocked.planClusterRemoval).toHaveBeenCalledWith("prod-host", null, "edge");
    expect(await within(dialog).findByLabelText("输入 edge 以确认")).toBeTruthy();
    expect(dialog.textContent).toContain("没有成员集群上下文：只清理主集群。");
    expect(within(dialog).getByRole("button", { name: "移除" })).toBeTruthy();
  });
});
