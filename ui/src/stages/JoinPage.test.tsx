import { describe, expect, it, vi, beforeEach } from "vitest";
import { useEffect } from "react";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import JoinPage from "./JoinPage";
import { FlowProvider, useFlow } from "../flow";
import {
  commands,
  type ApplyPlan_Serialize as ApplyPlan,
  type ApplyStep,
  type JoinRecord_Serialize as JoinRecord,
  type JoinSnapshot_Serialize as JoinSnapshot,
  type ManifestView_Serialize as ManifestView,
  type ReachReport_Serialize as ReachReport,
  type WatchUpdate_Serialize as WatchUpdate,
} from "../backend/bindings";

// The real Channel needs Tauri's IPC; this one only carries onmessage.
vi.mock("@tauri-apps/api/core", async (importOriginal) => {
  const real = await importOriginal<typeof import("@tauri-apps/api/core")>();
  class FakeChannel<T> {
    onmessage: (message: T) => void = () => {};
  }
  return { ...real, Channel: FakeChannel };
});
vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return {
    ...real,
    commands: {
      joinRecords: vi.fn(),
      watchJoin: vi.fn(),
      stopJoinWatch: vi.fn(),
      agentManifest: vi.fn(),
      exportAgentManifest: vi.fn(),
      planAgentApply: vi.fn(),
      probeMemberReach: vi.fn(),
      applyAgent: vi.fn(),
      planClusterRemoval: vi.fn(),
      removeCluster: vi.fn(),
    },
  };
});
const mocked = vi.mocked(commands);

const record = (cluster: string, phase: JoinRecord["phase"], createdUnixMs: number): JoinRecord => ({
  hostContext: "prod-host",
  memberContext: "edge-member",
  cluster,
  phase,
  clusterUid: "uid",
  createdTags: [],
  boundTags: [],
  memberCreated: [],
  memberExisting: [],
  memberCrdsBefore: null,
  createdUnixMs,
  updatedUnixMs: createdUnixMs,
});
const snapshot = (step: JoinSnapshot["step"], extra: Partial<JoinSnapshot> = {}): JoinSnapshot => ({
  cluster: "edge",
  exists: true,
  step,
  ready: step === "ready",
  conditions: [],
  diagnoses: [],
  agentPodsReady: 0,
  agentPods: 1,
  elapsedMs: 4200,
  ...extra,
});
const MASK = "••••••••";
const VIEW: ManifestView = {
  cluster: "edge",
  source: "towerExtension",
  note: null,
  yaml: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cluster-agent\nspec:\n  template:\n    spec:\n      containers:\n      - args:\n        - --name=edge\n        - --token=${MASK}\n        - --proxy-server=http://139.198.120.120:30000\n`,
  objects: [],
  proxyServer: "http://139.198.120.120:30000",
  images: ["kubesphere/tower:v0.2.1"],
  mirror: null,
  neededImages: [],
  pullSecret: null,
};
const object = (kind: string, name: string, namespace = "") => ({ apiVersion: "v1", kind, namespace, name });
const PLAN: ApplyPlan = {
  cluster: "edge",
  items: [
    { object: object("Namespace", "kubesphere-system"), action: "unchanged", detail: "exists" },
    { object: object("ServiceAccount", "tower", "kubesphere-system"), action: "create", detail: null },
    { object: object("Deployment", "cluster-agent", "kubesphere-system"), action: "create", detail: null },
  ],
  otherAgent: null,
};
const PROXY = "http://139.198.120.120:30000";
const REACH: ReachReport = {
  url: PROXY,
  nodes: [
    { node: "edge-cp-1", reachable: true, detail: "HTTP/1.1 200 OK" },
    { node: "edge-worker-1", reachable: false, detail: "wget: can't connect to remote host (139.198.120.120): Connection timed out" },
    { node: "edge-worker-2", reachable: false, detail: "wget: bad address '139.198.120.120:30000'" },
    { node: "edge-gpu-1", reachable: null, detail: "the probe Pod could not be scheduled: node has taint gpu=true:NoSchedule" },
  ],
};

/** Follows the watch the page starts: `send` streams updates, `end` finishes it. */
function fakeWatch() {
  const watch = { send: (_update: WatchUpdate) => {}, end: (_last: JoinSnapshot | null) => {} };
  mocked.watchJoin.mockImplementation((_host, _member, _cluster, channel) => {
    watch.send = (update) => act(() => channel.onmessage(update));
    return new Promise((resolve) => (watch.end = (last) => act(() => resolve(last))));
  });
  return watch;
}

function SetCurrent({ cluster }: { cluster: string }) {
  const { setCurrentCluster } = useFlow();
  useEffect(() => setCurrentCluster({ host: "prod-host", cluster }), [cluster, setCurrentCluster]);
  return null;
}
const renderPage = (options: { member?: string | null; current?: string; onNavigate?: (stage: string) => void } = {}) =>
  render(
    <FlowProvider>
      {options.current && <SetCurrent cluster={options.current} />}
      <JoinPage host="prod-host" member={options.member === undefined ? "edge-member" : options.member} onNavigate={options.onNavigate ?? (() => {})} />
    </FlowProvider>,
  );

beforeEach(async () => {
  await i18n.changeLanguage("en");
  for (const fn of Object.values(mocked)) vi.mocked(fn).mockReset();
  mocked.joinRecords.mockResolvedValue([record("edge", "agentApplied", 2000), record("old", "ready", 1000)]);
  mocked.agentManifest.mockResolvedValue(VIEW);
  mocked.stopJoinWatch.mockResolvedValue(undefined);
});

describe("Join page", () => {
  it("resumes the newest unfinished join from the records and shows what the watch streams", async () => {
    const user = userEvent.setup();
    const onNavigate = vi.fn();
    const watch = fakeWatch();
    renderPage({ member: null, onNavigate });
    await waitFor(() => expect(mocked.watchJoin).toHaveBeenCalled());
    // The record's member, not the (missing) chosen one.
    expect(mocked.watchJoin).toHaveBeenLastCalledWith("prod-host", "edge-member", "edge", expect.anything());
    expect(screen.getByTestId("join-cluster-name").textContent).toBe("edge");
    expect(screen.getByTestId("watch-state").getAttribute("aria-busy")).toBe("true");
    // Several joins on record: a choice between them.
    expect((screen.getByLabelText("Cluster") as HTMLSelectElement).value).toBe("edge");

    const at = new Date(2026, 0, 2, 9, 5, 7).getTime();
    watch.send({ type: "entry", entry: { atUnixMs: at, reportedAt: null, source: "host", warning: false, title: "Cluster edge created", detail: null } });
    watch.send({
      type: "entry",
      entry: { atUnixMs: at + 1000, reportedAt: "2026-01-02T09:05:08Z", source: "agent", warning: true, title: "dial tcp 139.198.120.120:30000: i/o timeout", detail: "agent log" },
    });
    watch.send({
      type: "snapshot",
      snapshot: snapshot("initialized", {
        diagnoses: [
          {
            code: "proxyUnreachable",
            severity: "error",
            summary: "The agent cannot reach tower at http://139.198.120.120:30000",
            fix: "Forward the public address to the tower NodePort",
            evidence: ["agent log: dial tcp 139.198.120.120:30000: i/o timeout"],
          },
        ],
      }),
    });

    const entries = within(screen.getByTestId("join-timeline")).getAllByRole("listitem");
    expect(entries).toHaveLength(2);
    expect(entries[0]!.textContent).toContain("09:05:07");
    expect(entries[0]!.textContent).toContain("Host");
    expect(entries[1]!.dataset.source).toBe("agent");
    expect(entries[1]!.className).toContain("warning-entry");
    expect(entries[1]!.textContent).toContain("09:05:08Agent");
    expect(screen.getByTestId("join-timeline").getAttribute("aria-live")).toBe("polite");

    const steps = within(screen.getByTestId("join-steps")).getAllByRole("listitem");
    expect(steps.map((li) => li.dataset.state)).toEqual(["done", "done", "current", "pending", "pending"]);
    expect(steps[2]!.getAttribute("aria-current")).toBe("step");

    const diagnosis = screen.getByTestId("diagnoses").querySelector<HTMLElement>("li.diagnosis")!;
    expect(diagnosis.dataset.code).toBe("proxyUnreachable");
    expect(diagnosis.textContent).toContain("cannot reach tower");
    expect(diagnosis.textContent).toContain("What to do: Forward the public address");
    expect(within(diagnosis).getByText("What it was read from").closest("details")).toBeTruthy();
    expect(screen.getByTestId("join-facts").textContent).toContain("Agent pods ready: 0 of 1");

    // Initialized: agent.yaml is read by itself, once, masked.
    await waitFor(() => expect(screen.getByTestId("manifest-yaml").textContent).toContain(`--token=${MASK}`));
    expect(mocked.agentManifest).toHaveBeenCalledTimes(1);
    expect(mocked.agentManifest).toHaveBeenCalledWith("prod-host", "edge");
    expect(screen.getByTestId("manifest-source").textContent).toBe("the tower extension, as the console gets it");

    watch.send({ type: "snapshot", snapshot: snapshot("ksCoreReady") });
    watch.end(snapshot("ready", { agentPodsReady: 1 }));
    const ready = await screen.findByTestId("join-ready");
    expect(ready.textContent).toContain("“edge” is Ready");
    expect(within(screen.getByTestId("join-steps")).getAllByRole("listitem").every((li) => li.dataset.state === "done")).toBe(true);
    expect(screen.getByTestId("watch-state").textContent).toBe("Finished: Ready");
    await user.click(within(ready).getByRole("button", { name: "Go to Clusters & history" }));
    expect(onNavigate).toHaveBeenCalledWith("clusters");
    // The record named the member: nothing is missing.
    expect(screen.queryByTestId("member-missing")).toBeNull();
  });

  it("says so when no member is known, watches the host alone, and cannot plan", async () => {
    fakeWatch();
    mocked.joinRecords.mockResolvedValue([{ ...record("edge", "created", 2000), memberContext: null }]);
    renderPage({ member: null });
    expect((await screen.findByTestId("member-missing")).textContent).toContain("agent.yaml cannot be applied from here");
    expect(mocked.watchJoin).toHaveBeenCalledWith("prod-host", null, "edge", expect.anything());
    expect((screen.getByTestId("plan-apply") as HTMLButtonElement).disabled).toBe(true);
  });

  it("follows the cluster just created rather than the records' newest", async () => {
    fakeWatch();
    renderPage({ current: "fresh" });
    await waitFor(() => expect(mocked.watchJoin).toHaveBeenCalled());
    expect(mocked.watchJoin).toHaveBeenLastCalledWith("prod-host", "edge-member", "fresh", expect.anything());
  });

  it("offers the records when every join has finished, and waits to be told", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.joinRecords.mockResolvedValue([record("old", "ready", 1000), record("gone", "removed", 500)]);
    renderPage();
    expect(await screen.findByTestId("join-empty")).toBeTruthy();
    expect(mocked.watchJoin).not.toHaveBeenCalled();
    const select = screen.getByLabelText("Cluster") as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(["Choose a cluster…", "old (ready)"]);
    await user.selectOptions(select, "old");
    await waitFor(() => expect(mocked.watchJoin).toHaveBeenCalledWith("prod-host", "edge-member", "old", expect.anything()));
  });

  it("stops and resumes watching", async () => {
    const user = userEvent.setup();
    const watch = fakeWatch();
    renderPage();
    await user.click(await screen.findByTestId("stop-watch"));
    expect(mocked.stopJoinWatch).toHaveBeenCalledWith("edge");
    expect(screen.getByTestId("watch-state").textContent).toBe("Stopping…");
    watch.end(null);
    await user.click(await screen.findByTestId("resume-watch"));
    expect(mocked.watchJoin).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("watch-state").textContent).toBe("Watching…");
    expect(within(screen.getByTestId("join-timeline")).getByText("Watching again")).toBeTruthy();
  });

  it("exports agent.yaml through Rust and never shows a token", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.exportAgentManifest.mockResolvedValue("/home/ada/agent.yaml");
    renderPage();
    await user.click(await screen.findByTestId("fetch-manifest"));
    await screen.findByTestId("manifest-yaml");
    await user.type(screen.getByLabelText(/Export to a file/), "/home/ada/agent.yaml");
    await user.click(screen.getByRole("button", { name: "Export to file…" }));
    expect(mocked.exportAgentManifest).toHaveBeenCalledWith("prod-host", "edge", "/home/ada/agent.yaml");
    expect((await screen.findByTestId("export-done")).textContent).toContain("Written to /home/ada/agent.yaml");
    const text = document.body.textContent ?? "";
    expect(text).toContain(MASK);
    // Nothing that looks like a join token (a long run of token characters) is on the page.
    expect(text).not.toMatch(/--token=(?!•)/);
    expect(text).not.toMatch(/[A-Za-z0-9_-]{40,}/);
  });

  it("shows an export refusal with its hint", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.exportAgentManifest.mockRejectedValue({ kind: "invalidInput", message: "\"agent.yaml\" is not an absolute path", hint: "write the full path of the file, e.g. /home/me/agent.yaml" });
    renderPage();
    await user.click(await screen.findByTestId("fetch-manifest"));
    await user.type(await screen.findByLabelText(/Export to a file/), "agent.yaml");
    await user.click(screen.getByTestId("export-manifest"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("is not an absolute path");
    expect(alert.textContent).toContain("write the full path");
  });

  it("blocks Apply when the plan has a conflict, and says why", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.planAgentApply.mockResolvedValue({
      ...PLAN,
      items: [...PLAN.items.slice(0, 2), { object: object("Deployment", "cluster-agent", "kubesphere-system"), action: "conflict", detail: "field spec.replicas is owned by helm" }],
    });
    renderPage();
    await user.click(await screen.findByTestId("plan-apply"));
    expect(mocked.planAgentApply).toHaveBeenCalledWith("prod-host", "edge-member", "edge");
    const table = await screen.findByTestId("plan-table");
    const conflict = table.querySelector('tr[data-action="conflict"]')!;
    expect(conflict.textContent).toContain("Deployment kubesphere-system/cluster-agent");
    expect(conflict.textContent).toContain("conflict");
    expect(conflict.textContent).toContain("owned by helm");
    expect(screen.getByTestId("plan-blocked").textContent).toContain("the server refused the dry run of 1 object(s)");
    expect((screen.getByTestId("apply-agent") as HTMLButtonElement).disabled).toBe(true);
  });

  it("blocks Apply when the member runs another cluster's agent", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.planAgentApply.mockResolvedValue({ ...PLAN, otherAgent: "elsewhere" });
    renderPage();
    await user.click(await screen.findByTestId("plan-apply"));
    expect((await screen.findByTestId("other-agent")).textContent).toContain("“elsewhere”");
    expect((screen.getByTestId("apply-agent") as HTMLButtonElement).disabled).toBe(true);
  });

  it("applies object by object with progress", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.planAgentApply.mockResolvedValue(PLAN);
    let send: (step: ApplyStep) => void = () => {};
    let finish: () => void = () => {};
    mocked.applyAgent.mockImplementation((_h, _m, _c, channel) => {
      send = (step) => act(() => channel.onmessage(step));
      return new Promise((resolve) =>
        (finish = () => act(() => resolve({ plan: PLAN, created: [PLAN.items[1]!.object, PLAN.items[2]!.object], updated: [], unchanged: [PLAN.items[0]!.object] }))),
      );
    });
    renderPage();
    await user.click(await screen.findByTestId("plan-apply"));
    await user.click(await screen.findByTestId("apply-agent"));
    expect(mocked.applyAgent).toHaveBeenCalledWith("prod-host", "edge-member", "edge", expect.anything());
    const step = (index: number, done: boolean): ApplyStep => ({ index, total: 3, object: PLAN.items[index]!.object, action: PLAN.items[index]!.action, done });
    send(step(0, false));
    send(step(0, true));
    send(step(1, false));
    const cells = () => Array.from(screen.getByTestId("plan-table").querySelectorAll("td[data-progress]")).map((td) => td.getAttribute("data-progress"));
    expect(cells()).toEqual(["done", "working", "waiting"]);
    expect(screen.getByTestId("apply-progress").textContent).toBe("1 of 3 objects applied");
    send(step(1, true));
    send(step(2, false));
    send(step(2, true));
    finish();
    await waitFor(() => expect(screen.getByTestId("apply-progress").textContent).toBe("Applied: 2 created, 0 updated, 1 unchanged."));
    expect(cells()).toEqual(["done", "done", "done"]);
  });

  it("checks from the member nodes and warns about those that cannot reach tower, without blocking Apply", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.planAgentApply.mockResolvedValue(PLAN);
    mocked.probeMemberReach.mockResolvedValue(REACH);
    renderPage();
    await user.click(await screen.findByTestId("plan-apply"));
    await screen.findByTestId("plan-table");
    const button = screen.getByTestId("probe-nodes");
    expect(button.textContent).toBe("Check from member nodes");
    expect(screen.queryByTestId("probe-table")).toBeNull();
    await user.click(button);
    expect(mocked.probeMemberReach).toHaveBeenCalledWith("prod-host", "edge-member", "edge");

    const table = await screen.findByTestId("probe-table");
    const rows = Array.from(table.querySelectorAll<HTMLTableRowElement>("tbody tr[data-node]"));
    expect(rows.map((row) => [row.dataset.node, row.dataset.reachable])).toEqual([
      ["edge-cp-1", "true"],
      ["edge-worker-1", "false"],
      ["edge-worker-2", "false"],
      ["edge-gpu-1", "unknown"],
    ]);
    expect(rows.map((row) => row.cells[1]!.textContent)).toEqual(["reaches", "cannot reach", "cannot reach", "not checked"]);
    expect(rows[1]!.cells[2]!.textContent).toBe("wget: can't connect to remote host (139.198.120.120): Connection timed out");
    expect(rows[3]!.cells[2]!.textContent).toContain("could not be scheduled");

    const warning = screen.getByTestId("probe-warning");
    expect(warning.textContent).toBe(
      `Nodes edge-worker-1, edge-worker-2 cannot reach tower at ${PROXY}: the agent will not connect from them; fix the proxy address first.`,
    );
    expect(warning.className).toBe("warning");
    // A warning, not a block.
    const apply = screen.getByTestId("apply-agent") as HTMLButtonElement;
    expect(apply.disabled).toBe(false);
    expect(screen.getByTestId("probe-nodes").textContent).toBe("Check again");
    mocked.applyAgent.mockResolvedValue({ plan: PLAN, created: [], updated: [], unchanged: [] });
    await user.click(apply);
    expect(mocked.applyAgent).toHaveBeenCalledWith("prod-host", "edge-member", "edge", expect.anything());
  });

  it("can check before any plan, shows the wait, and says so when every node reaches", async () => {
    const user = userEvent.setup();
    fakeWatch();
    let answer: (report: ReachReport) => void = () => {};
    mocked.probeMemberReach.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    renderPage();
    const button = await screen.findByTestId("probe-nodes");
    await user.click(button);
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("reach-check").getAttribute("aria-busy")).toBe("true");
    // Over 300 ms: the Pending line says what runs.
    expect((await screen.findByText("Running a probe Pod on each member node…")).closest(".pending")).toBeTruthy();
    act(() => answer({ url: PROXY, nodes: [{ node: "edge-cp-1", reachable: true, detail: "HTTP/1.1 200 OK" }] }));
    expect((await screen.findByTestId("probe-ok")).textContent).toBe(`Every node reaches tower at ${PROXY}.`);
    expect(screen.queryByTestId("probe-warning")).toBeNull();
    expect(button.getAttribute("aria-busy")).toBe("false");
    expect(screen.queryByText("Running a probe Pod on each member node…")).toBeNull();
  });

  it("shows why the member nodes could not be checked", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.probeMemberReach.mockRejectedValue({ kind: "connection", message: "the member's API server did not answer", hint: "check the member kubeconfig" });
    renderPage();
    await user.click(await screen.findByTestId("probe-nodes"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The member nodes could not be checked");
    expect(alert.textContent).toContain("did not answer");
    expect(alert.textContent).toContain("check the member kubeconfig");
    expect(screen.queryByTestId("probe-table")).toBeNull();
  });

  it("cannot check from member nodes without a member", async () => {
    fakeWatch();
    mocked.joinRecords.mockResolvedValue([{ ...record("edge", "created", 2000), memberContext: null }]);
    renderPage({ member: null });
    expect(((await screen.findByTestId("probe-nodes")) as HTMLButtonElement).disabled).toBe(true);
  });

  it("rolls the join back through the removal dialog", async () => {
    const user = userEvent.setup();
    fakeWatch();
    mocked.planClusterRemoval.mockResolvedValue({ cluster: "edge", fromRecord: true, items: [], notes: [] });
    mocked.removeCluster.mockResolvedValue({ plan: { cluster: "edge", fromRecord: true, items: [], notes: [] }, done: [] });
    renderPage();
    await user.click(await screen.findByTestId("rollback-join"));
    const dialog = await screen.findByRole("dialog", { name: "Remove cluster “edge”" });
    expect(mocked.planClusterRemoval).toHaveBeenCalledWith("prod-host", "edge-member", "edge");
    await user.type(await within(dialog).findByLabelText("Type edge to confirm"), "edge");
    mocked.joinRecords.mockResolvedValue([record("edge", "removed", 2000)]);
    await user.click(within(dialog).getByTestId("remove-confirm-button"));
    await user.click(await within(dialog).findByTestId("remove-close"));
    expect(await screen.findByTestId("join-empty")).toBeTruthy();
    expect(mocked.joinRecords).toHaveBeenCalledTimes(2);
  });

  it("names the steps and sources in Chinese", async () => {
    await i18n.changeLanguage("zh-CN");
    const watch = fakeWatch();
    renderPage();
    await waitFor(() => expect(mocked.watchJoin).toHaveBeenCalled());
    watch.send({ type: "entry", entry: { atUnixMs: Date.now(), reportedAt: null, source: "member", warning: false, title: "Deployment cluster-agent created", detail: null } });
    expect(within(screen.getByTestId("join-steps")).getAllByRole("listitem").map((li) => li.textContent?.split(" (")[0])).toEqual([
      "已创建",
      "已初始化",
      "agent 已连接",
      "KubeSphere 核心组件",
      "就绪",
    ]);
    expect(within(screen.getByTestId("join-timeline")).getByText("成员集群")).toBeTruthy();
    expect(screen.getByRole("button", { name: "停止监视" })).toBeTruthy();
  });

  it("reports the member nodes' reach in Chinese", async () => {
    const user = userEvent.setup();
    await i18n.changeLanguage("zh-CN");
    fakeWatch();
    mocked.probeMemberReach.mockResolvedValue(REACH);
    renderPage();
    await user.click(await screen.findByRole("button", { name: "从成员节点检查" }));
    const table = await screen.findByTestId("probe-table");
    expect(Array.from(table.querySelectorAll("tbody tr")).map((row) => (row as HTMLTableRowElement).cells[1]!.textContent)).toEqual([
      "可以访问",
      "无法访问",
      "无法访问",
      "未检查",
    ]);
    expect(screen.getByTestId("probe-warning").textContent).toBe(
      `节点 edge-worker-1、edge-worker-2 无法访问 tower（${PROXY}）：agent 无法从这些节点连接；请先修正代理地址。`,
    );
  });
});
