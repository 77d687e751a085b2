import { describe, expect, it, vi, beforeEach } from "vitest";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import ProxyAddressPage from "./ProxyAddressPage";
import { commands, type ApplyStep, type StaleAgent_Serialize as StaleAgent } from "../backend/bindings";

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
      proxyAddressReport: vi.fn(),
      planProxyAddress: vi.fn(),
      setProxyAddress: vi.fn(),
      restoreProxyAddress: vi.fn(),
      probeProxyAddress: vi.fn(),
      restartKsApiserver: vi.fn(),
      staleAgents: vi.fn(),
      applyAgent: vi.fn(),
    },
  };
});
const mocked = vi.mocked(commands);
type Report = Awaited<ReturnType<typeof commands.proxyAddressReport>>;
type Plan = Awaited<ReturnType<typeof commands.planProxyAddress>>;

const SECRET = "Secret kubesphere-system/tower, configuration.yaml → proxyPublishAddress";
const PENDING: Report = {
  version: { gitVersion: "v4.1.3", source: "ks-apiserver /version" },
  readPlace: "towerSecret",
  places: [
    { place: "towerSecret", description: SECRET, exists: true, address: null, problem: null },
    { place: "kubesphereConfig", description: "ConfigMap kubesphere-system/kubesphere-config", exists: true, address: null, problem: null },
    { place: "ksInstaller", description: "ClusterConfiguration kubesphere-system/ks-installer", exists: false, address: null, problem: null },
  ],
  service: { serviceType: "LoadBalancer", external: [], port: 8080, nodePort: 30721 },
  nodes: [{ name: "node", internalIp: ["192.168.0.10"], externalIp: [] }],
  effective: null,
  disagreements: [],
  portForward: "PUBLIC_IP:PORT → 192.168.0.10:30721",
};
const URL = "http://139.198.120.120:30000";
const SET: Report = {
  ...PENDING,
  places: PENDING.places.map((p) => (p.place === "towerSecret" ? { ...p, address: URL } : p)),
  effective: { url: URL, origin: "configured" },
  portForward: null,
};
const PLAN: Plan = {
  place: "towerSecret",
  description: SECRET,
  url: URL,
  previousAddress: null,
  creates: false,
  unchanged: false,
  diff: [
    { change: "same", before: "agentImage: kubesphere/tower:v0.2.1", after: "agentImage: kubesphere/tower:v0.2.1" },
    { change: "added", before: null, after: `proxyPublishAddress: ${URL}` },
  ],
  otherKeys: [],
  warnings: [],
  needsRestart: false,
};

const OLD = "http://10.0.0.5:30721";
const EDGE: StaleAgent = { cluster: "edge", memberContext: "edge-member", dials: OLD, expected: URL, problem: null };
const LAB: StaleAgent = { cluster: "lab", memberContext: "lab-member", dials: null, expected: URL, problem: "lab-member: the API server did not answer" };
const object = (kind: string, name: string) => ({ apiVersion: "apps/v1", kind, namespace: "kubesphere-system", name });
const OBJECTS = [object("ServiceAccount", "tower"), object("Deployment", "cluster-agent")];
const AGENT_PLAN = { cluster: "edge", items: OBJECTS.map((o) => ({ object: o, action: "update" as const, detail: null })), otherAgent: null };

/** Writes URL through the page: preview, then "Write the address". */
async function writeAddress(user: ReturnType<typeof userEvent.setup>) {
  mocked.planProxyAddress.mockResolvedValue(PLAN);
  mocked.setProxyAddress.mockResolvedValue({ plan: PLAN, dryRunPassed: true, written: true, backup: "/b.json", verified: true });
  mocked.proxyAddressReport.mockResolvedValue(SET);
  await user.type(screen.getByLabelText(i18n.t("proxyAddress.urlLabel")), URL);
  await user.click(screen.getByRole("button", { name: i18n.t("proxyAddress.preview") }));
  await user.click(await screen.findByRole("button", { name: i18n.t("proxyAddress.apply") }));
  await screen.findByTestId("set-done");
}

beforeEach(async () => {
  await i18n.changeLanguage("en");
  for (const fn of Object.values(mocked)) vi.mocked(fn).mockReset();
  mocked.staleAgents.mockResolvedValue([]);
});

describe("Proxy address page", () => {
  it("reads the places, previews the diff, writes, and restores", async () => {
    const user = userEvent.setup();
    mocked.proxyAddressReport.mockResolvedValueOnce(PENDING).mockResolvedValueOnce(SET).mockResolvedValueOnce(PENDING);
    mocked.planProxyAddress.mockResolvedValue(PLAN);
    mocked.setProxyAddress.mockResolvedValue({ plan: PLAN, dryRunPassed: true, written: true, backup: "/data/backups/1.json", verified: true });
    mocked.restoreProxyAddress.mockResolvedValue({
      place: "towerSecret",
      description: SECRET,
      removedAddress: URL,
      restoredAddress: null,
      deleted: false,
      verified: true,
      backup: "/data/backups/1.json",
      needsRestart: false,
    });
    render(<ProxyAddressPage context="prod-host" />);
    expect(mocked.proxyAddressReport).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Read current address" }));
    const current = await screen.findByTestId("proxy-current");
    expect(current.textContent).toContain("There is no address to publish");
    expect(current.textContent).toContain("Forward PUBLIC_IP:PORT → 192.168.0.10:30721");
    const secretRow = current.querySelector('[data-place="towerSecret"]')!;
    expect(secretRow.textContent).toContain("read by KubeSphere");

    await user.type(screen.getByLabelText("Public address members reach tower at"), URL);
    await user.click(screen.getByRole("button", { name: "Preview change" }));
    const plan = await screen.findByTestId("plan");
    expect(mocked.planProxyAddress).toHaveBeenCalledWith("prod-host", URL);
    const diff = within(plan).getByRole("table", { name: "Configuration before and after" });
    const added = diff.querySelector("tr.added")!;
    expect(added.textContent).toBe(`proxyPublishAddress: ${URL}`);
    expect(mocked.setProxyAddress).not.toHaveBeenCalled();

    await user.click(within(plan).getByRole("button", { name: "Write the address" }));
    const done = await screen.findByTestId("set-done");
    expect(mocked.setProxyAddress).toHaveBeenCalledWith("prod-host", URL, false);
    expect(done.textContent).toContain(`Written and verified: members will dial ${URL}.`);
    expect(done.textContent).toContain("/data/backups/1.json");
    expect((await screen.findByTestId("proxy-current")).textContent).toContain(URL);

    await user.click(screen.getByRole("button", { name: "Restore previous state" }));
    expect((await screen.findByTestId("restored")).textContent).toContain("the address is now none");
  });

  it("shows a refusal with its hint and writes nothing", async () => {
    const user = userEvent.setup();
    mocked.planProxyAddress.mockRejectedValue({
      kind: "invalidInput",
      message: "\"139.198.120.120:30000\" is not a proxy address: it must start with http:// or https://",
      hint: "write it as http://PUBLIC_IP:PORT",
    });
    render(<ProxyAddressPage context="prod-host" />);
    await user.type(screen.getByLabelText("Public address members reach tower at"), "139.198.120.120:30000");
    await user.click(screen.getByRole("button", { name: "Preview change" }));
    expect(await screen.findByText(/must start with http:\/\//)).toBeTruthy();
    expect(screen.getByText(/write it as http:\/\/PUBLIC_IP:PORT/)).toBeTruthy();
    expect(screen.queryByTestId("plan")).toBeNull();
    expect(mocked.setProxyAddress).not.toHaveBeenCalled();
  });

  it("reports what answers at the address from this computer", async () => {
    const user = userEvent.setup();
    mocked.probeProxyAddress.mockResolvedValue({ url: URL, connected: false, healthStatus: null, detail: "could not connect to 139.198.120.120:30000: timed out", elapsedMs: 3000 });
    render(<ProxyAddressPage context="prod-host" />);
    await user.type(screen.getByLabelText("Public address members reach tower at"), URL);
    await user.click(screen.getByRole("button", { name: "Check from this computer" }));
    const probe = await screen.findByTestId("probe");
    expect(probe.textContent).toContain("could not connect");
    expect(probe.className).toBe("warning");
  });

  it("offers the ks-apiserver restart KubeSphere 3.x needs", async () => {
    const user = userEvent.setup();
    const v3Plan: Plan = { ...PLAN, place: "ksInstaller", needsRestart: true };
    mocked.planProxyAddress.mockResolvedValue(v3Plan);
    mocked.setProxyAddress.mockResolvedValue({ plan: v3Plan, dryRunPassed: true, written: true, backup: "/b.json", verified: true });
    mocked.proxyAddressReport.mockResolvedValue(SET);
    mocked.restartKsApiserver.mockResolvedValue("2026-11-25T20:00:00Z");
    render(<ProxyAddressPage context="v3-host" />);
    await user.type(screen.getByLabelText("Public address members reach tower at"), URL);
    await user.click(screen.getByRole("button", { name: "Preview change" }));
    await user.click(await screen.findByRole("button", { name: "Write the address" }));
    const done = await screen.findByTestId("set-done");
    expect(done.textContent).toContain("ks-apiserver must restart");
    await user.click(within(done).getByRole("button", { name: "Restart ks-apiserver" }));
    expect(mocked.restartKsApiserver).toHaveBeenCalledWith("v3-host");
    expect((await within(done).findByText(/is restarting/)).className).toBe("ok");
  });

  it("after a write, lists the members whose agent dials an old address and re-applies agent.yaml there", async () => {
    const user = userEvent.setup();
    mocked.staleAgents.mockResolvedValueOnce([EDGE, LAB]).mockResolvedValueOnce([LAB]);
    let send: (step: ApplyStep) => void = () => {};
    let finish: () => void = () => {};
    mocked.applyAgent.mockImplementation((_h, _m, _c, channel) => {
      send = (step) => act(() => channel.onmessage(step));
      return new Promise((resolve) => (finish = () => act(() => resolve({ plan: AGENT_PLAN, created: [], updated: OBJECTS, unchanged: [] }))));
    });
    render(<ProxyAddressPage context="prod-host" />);
    expect(mocked.staleAgents).not.toHaveBeenCalled();
    await writeAddress(user);

    // Checked by itself once the address was written.
    const list = await screen.findByTestId("stale-agents");
    expect(mocked.staleAgents).toHaveBeenCalledWith("prod-host");
    const items = within(list).getAllByRole("listitem");
    expect(items.map((li) => li.dataset.cluster)).toEqual(["edge", "lab"]);
    expect(items[0]!.textContent).toContain("edge");
    expect(items[0]!.textContent).toContain("member edge-member");
    expect(items[0]!.textContent).toContain(`dials ${OLD} → tower gives ${URL}`);
    expect(items[1]!.dataset.state).toBe("unreadable");
    expect(items[1]!.textContent).toContain("Could not read the member: lab-member: the API server did not answer");

    await user.click(screen.getByTestId("reapply-edge"));
    expect(mocked.applyAgent).toHaveBeenCalledWith("prod-host", "edge-member", "edge", expect.anything());
    expect(screen.getByTestId("reapply-edge").getAttribute("aria-busy")).toBe("true");
    expect((screen.getByTestId("reapply-lab") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("check-stale") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("stale-section").getAttribute("aria-busy")).toBe("true");
    const step = (index: number, done: boolean): ApplyStep => ({ index, total: 2, object: OBJECTS[index]!, action: "update", done });
    send(step(0, false));
    send(step(0, true));
    send(step(1, false));
    expect(screen.getByTestId("reapply-progress").textContent).toBe("1 of 2 objects applied");
    expect((await screen.findByText("Re-applying agent.yaml on edge-member…")).closest(".pending")).toBeTruthy();
    send(step(1, true));
    finish();

    // Then checked again: edge dials the current address now.
    await waitFor(() => expect(mocked.staleAgents).toHaveBeenCalledTimes(2));
    await waitFor(() => expect(within(screen.getByTestId("stale-agents")).getAllByRole("listitem").map((li) => li.dataset.cluster)).toEqual(["lab"]));
    expect(screen.getByTestId("reapplied").textContent).toBe("agent.yaml re-applied on edge-member for “edge”.");
    expect((screen.getByTestId("reapply-lab") as HTMLButtonElement).disabled).toBe(false);
  });

  it("checks the joined members on request, and says so when every one dials the current address", async () => {
    const user = userEvent.setup();
    let answer: (agents: StaleAgent[]) => void = () => {};
    mocked.staleAgents.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    render(<ProxyAddressPage context="prod-host" />);
    const button = screen.getByTestId("check-stale");
    expect(button.textContent).toBe("Check joined members");
    await user.click(button);
    expect(mocked.staleAgents).toHaveBeenCalledWith("prod-host");
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect((await screen.findByText("Reading the agent of each member joined from here…")).closest(".pending")).toBeTruthy();
    act(() => answer([]));
    expect((await screen.findByTestId("stale-none")).textContent).toBe("Every joined member dials the current address.");
    expect(screen.queryByTestId("stale-agents")).toBeNull();
    expect(button.getAttribute("aria-busy")).toBe("false");
    expect(button.textContent).toBe("Check again");
  });

  it("keeps the member listed and says why when the re-apply fails", async () => {
    const user = userEvent.setup();
    mocked.staleAgents.mockResolvedValue([EDGE]);
    mocked.applyAgent.mockRejectedValue({ kind: "connection", message: "edge-member: connection refused", hint: "check the member kubeconfig" });
    render(<ProxyAddressPage context="prod-host" />);
    await user.click(screen.getByTestId("check-stale"));
    await user.click(await screen.findByTestId("reapply-edge"));
    const item = screen.getByTestId("stale-agents").querySelector<HTMLElement>('li[data-cluster="edge"]')!;
    const alert = await within(item).findByRole("alert");
    expect(alert.textContent).toContain("The re-apply on edge-member stopped");
    expect(alert.textContent).toContain("connection refused");
    expect(alert.textContent).toContain("check the member kubeconfig");
    // Not checked again: nothing changed.
    expect(mocked.staleAgents).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("reapplied")).toBeNull();
    expect((screen.getByTestId("reapply-edge") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows why the joined members could not be checked", async () => {
    const user = userEvent.setup();
    mocked.staleAgents.mockRejectedValue({ kind: "io", message: "the join records could not be read", hint: null });
    render(<ProxyAddressPage context="prod-host" />);
    await user.click(screen.getByTestId("check-stale"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The joined members could not be checked");
    expect(alert.textContent).toContain("the join records could not be read");
    expect(screen.queryByTestId("stale-none")).toBeNull();
  });

  it("lists the agents on an old address in Chinese", async () => {
    const user = userEvent.setup();
    await i18n.changeLanguage("zh-CN");
    mocked.staleAgents.mockResolvedValue([EDGE]);
    render(<ProxyAddressPage context="prod-host" />);
    await writeAddress(user);
    const item = (await screen.findByTestId("stale-agents")).querySelector<HTMLElement>('li[data-cluster="edge"]')!;
    expect(item.textContent).toContain(`连接 ${OLD} → tower 给出 ${URL}`);
    expect(within(item).getByRole("button", { name: "重新应用 agent.yaml" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "重新检查" })).toBeTruthy();
  });
});
