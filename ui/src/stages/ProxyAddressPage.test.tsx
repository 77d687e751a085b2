import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import ProxyAddressPage from "./ProxyAddressPage";
import { commands } from "../backend/bindings";

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

beforeEach(async () => {
  await i18n.changeLanguage("en");
  for (const fn of Object.values(mocked)) vi.mocked(fn).mockReset();
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
});
