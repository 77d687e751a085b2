import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import ConnectionTest, { ConnectionTests } from "./ConnectionTest";
import { commands } from "../backend/bindings";

vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return { ...real, commands: { testConnection: vi.fn(), cancelTask: vi.fn() } };
});
const testConnection = vi.mocked(commands.testConnection);
const cancelTask = vi.mocked(commands.cancelTask);
type ConnectionReport = Awaited<ReturnType<typeof commands.testConnection>>;

const ENDPOINT = {
  context: "prod-host",
  cluster: "prod",
  user: "admin",
  server: "https://10.0.0.1:6443",
  tls: { https: true, insecureSkipVerify: false, ca: { kind: "embedded" as const, bytes: 1147 }, serverName: null },
  exec: null,
};

const CONNECTED: ConnectionReport = {
  context: "prod-host",
  endpoint: ENDPOINT,
  connected: true,
  version: { gitVersion: "v1.32.0", platform: "linux/amd64" },
  identity: { username: "admin", uid: null, groups: ["system:masters", "system:authenticated"], apiVersion: "authentication.k8s.io/v1" },
  latency: { firstRequestMs: 12.34, roundTripMs: 1.26 },
  tls: "verified",
  warnings: [],
  failure: null,
};

const REFUSED: ConnectionReport = {
  ...CONNECTED,
  connected: false,
  version: null,
  identity: null,
  latency: null,
  tls: "failed",
  failure: {
    cause: "tlsUnknownCa",
    message: "the server's certificate is not signed by the CA embedded in the kubeconfig (TLS: unknown issuer)",
    hint: "get a current kubeconfig from the cluster's admin",
  },
};

beforeEach(async () => {
  await i18n.changeLanguage("en");
  testConnection.mockReset();
});

describe("Test connection", () => {
  it("contacts nothing until asked, then shows version, identity, latency and TLS", async () => {
    const user = userEvent.setup();
    testConnection.mockResolvedValue(CONNECTED);
    render(<ConnectionTest context="prod-host" role="Host" />);
    expect(testConnection).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Test connection" }));
    expect(testConnection).toHaveBeenCalledWith("prod-host", expect.any(String));
    const region = screen.getByRole("region", { name: /prod-host/ });
    expect(await within(region).findByText("Connected")).toBeTruthy();
    expect(within(region).getByText("v1.32.0")).toBeTruthy();
    expect(within(region).getByText("admin")).toBeTruthy();
    expect(region.textContent).toContain("1.3 ms round trip (12.3 ms for the first request");
    expect(region.textContent).toContain("verified");
    expect(region.textContent).toContain("CA embedded in the kubeconfig");
    expect(within(region).queryByRole("alert")).toBeNull();
    expect(screen.getByRole("button", { name: "Test again" })).toBeTruthy();
  });

  it("names the cause of a failure with the message and what to do", async () => {
    const user = userEvent.setup();
    testConnection.mockResolvedValue(REFUSED);
    render(<ConnectionTest context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.cause).toBe("tlsUnknownCa");
    expect(alert.textContent).toContain("Certificate authority mismatch");
    expect(alert.textContent).toContain("unknown issuer");
    expect(alert.textContent).toContain("get a current kubeconfig");
    expect(screen.getByText("Not connected")).toBeTruthy();
  });

  it("lists warnings such as a skipped TLS check and a hidden identity", async () => {
    const user = userEvent.setup();
    testConnection.mockResolvedValue({
      ...CONNECTED,
      identity: null,
      tls: "skippedInsecure",
      warnings: [
        { code: "insecureSkipTlsVerify", message: "insecure-skip-tls-verify is set" },
        { code: "identityForbidden", message: "user \"dev\" may not create a SelfSubjectReview (403)" },
      ],
    });
    render(<ConnectionTest context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    const warnings = await screen.findByRole("list", { name: "Warnings" });
    const items = within(warnings).getAllByRole("listitem");
    expect(items.map((item) => item.dataset.code)).toEqual(["insecureSkipTlsVerify", "identityForbidden"]);
    expect(items[1]!.textContent).toContain("Identity hidden (403).");
    expect(screen.getByText("not verified (insecure-skip-tls-verify)")).toBeTruthy();
  });

  it("shows an error when the test itself cannot run", async () => {
    const user = userEvent.setup();
    testConnection.mockRejectedValue({ kind: "notFound", message: "kubeconfig file /x does not exist", hint: "check the path" });
    render(<ConnectionTest context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The test could not run");
    expect(alert.textContent).toContain("kubeconfig file /x does not exist");
  });

  it("stops a test on request, and a late answer changes nothing", async () => {
    const user = userEvent.setup();
    let finish: (report: ConnectionReport) => void = () => {};
    testConnection.mockImplementation(() => new Promise((resolve) => (finish = resolve)));
    cancelTask.mockResolvedValue(true);
    render(<ConnectionTest context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(cancelTask).toHaveBeenCalledWith(testConnection.mock.calls[0]![1]);
    expect(screen.getByText(/Stopped\. The test only reads/)).toBeTruthy();
    finish(CONNECTED);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByText("Connected")).toBeNull();
    expect(screen.getByRole("button", { name: "Test again" })).toBeTruthy();
  });

  it("offers a test for the host and the member once chosen, in Chinese too", async () => {
    await i18n.changeLanguage("zh-CN");
    const status = { version: "1", target: { type: "kubeconfigs" as const, paths: [] }, hostContext: "prod-host", memberContext: null };
    const { rerender } = render(<ConnectionTests status={status} />);
    expect(screen.getAllByRole("button", { name: "测试连接" })).toHaveLength(1);
    rerender(<ConnectionTests status={{ ...status, memberContext: "edge" }} />);
    expect(screen.getAllByRole("button", { name: "测试连接" })).toHaveLength(2);
    expect(screen.getByRole("region", { name: /到“edge”的连接/ })).toBeTruthy();
    rerender(<ConnectionTests status={{ ...status, hostContext: null }} />);
    expect(screen.queryByRole("button")).toBeNull();
    expect(testConnection).not.toHaveBeenCalled();
  });
});
