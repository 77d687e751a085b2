import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "./i18n";
import App from "./App";
import { commands } from "./backend/bindings";

vi.mock("./backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("./backend/bindings")>();
  return { ...real, commands: { appStatus: vi.fn(), kubeconfigSummary: vi.fn(), assignRole: vi.fn(), useOwnKubeconfigs: vi.fn() } };
});
const appStatus = vi.mocked(commands.appStatus);
const kubeconfigSummary = vi.mocked(commands.kubeconfigSummary);
const assignRole = vi.mocked(commands.assignRole);
const useOwnKubeconfigs = vi.mocked(commands.useOwnKubeconfigs);

const STATUS = {
  version: "9.9.9",
  target: { type: "kubeconfigs" as const, paths: ["/home/ada/.kube/prod.yaml"] },
  hostContext: null,
  memberContext: null,
};

const context = (name: string, server: string | null, auth: { kind: "token" } | { kind: "exec"; command: string }) => ({
  name,
  cluster: name,
  server,
  user: "admin",
  auth,
  namespace: "",
  insecure: false,
  file: "/home/ada/.kube/prod.yaml",
  imported: false,
});

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
  appStatus.mockReset();
  appStatus.mockResolvedValue(STATUS);
  kubeconfigSummary.mockReset();
  kubeconfigSummary.mockResolvedValue({
    currentContext: "prod-host",
    contexts: [
      context("prod-host", "https://10.0.0.1:6443", { kind: "token" }),
      context("edge-member", "https://10.0.0.2:6443", { kind: "exec", command: "kubelogin" }),
      context("orphan", null, { kind: "token" }),
    ],
  });
  assignRole.mockReset();
});

const navButtons = () => within(screen.getByRole("navigation")).getAllByRole("button");

describe("the Kubeconfigs page", () => {
  it("lists every context with its server and sign-in kind, and searches as you type", async () => {
    const user = userEvent.setup();
    render(<App />);
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(4);
    expect(rows[1]!.textContent).toContain("https://10.0.0.1:6443");
    expect(rows[2]!.textContent).toContain("plugin: kubelogin");
    expect(rows[3]!.textContent).toContain("cluster “orphan” is in no file");
    await user.type(screen.getByTestId("context-search"), "edge");
    expect(screen.getAllByRole("row")).toHaveLength(2);
    expect(screen.getByText("1 of 3 contexts")).toBeTruthy();
  });

  it("assigns the host and shows it in the row and the status bar", async () => {
    const user = userEvent.setup();
    assignRole.mockResolvedValue({ ...STATUS, hostContext: "prod-host" });
    render(<App />);
    const row = (await screen.findByText("prod-host")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Host" }));
    expect(assignRole).toHaveBeenCalledWith("host", "prod-host");
    expect(within(row).getByRole("button", { name: "Host" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("status-host").textContent).toContain("prod-host");
  });

  it("shows why a choice was refused, with the hint", async () => {
    const user = userEvent.setup();
    assignRole.mockRejectedValue({
      kind: "invalidInput",
      message: "\"edge-member\" and \"prod-host\" are the same cluster",
      hint: "the host and the member must be two different clusters",
    });
    render(<App />);
    const row = (await screen.findByText("edge-member")).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Member" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("are the same cluster");
    expect(alert.textContent).toContain("two different clusters");
    expect(screen.getByTestId("status-member").textContent).toContain("not chosen");
  });

  it("says what is wrong when the files cannot be read", async () => {
    kubeconfigSummary.mockRejectedValue({ kind: "invalidInput", message: "kubeconfig /x is not valid YAML at line 3, column 1: tab", hint: "fix the file" });
    render(<App />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("line 3, column 1");
    expect(alert.textContent).toContain("fix the file");
  });
});

describe("the sandbox", () => {
  it("says the clusters are simulated and leaves them for the user's kubeconfigs in one click", async () => {
    const user = userEvent.setup();
    appStatus.mockResolvedValue({
      ...STATUS,
      target: { type: "sandbox", scenario: "healthy", paths: ["/tmp/s/host.kubeconfig", "/tmp/s/member.kubeconfig"] },
      hostContext: "sandbox-host",
    });
    useOwnKubeconfigs.mockResolvedValue({ ...STATUS, target: { type: "kubeconfigs", paths: [] } });
    render(<App />);
    const banner = await screen.findByTestId("sandbox-banner");
    expect(banner.textContent).toContain("“healthy”");
    expect(screen.getByTestId("status-sandbox").textContent).toBe("Sandbox · healthy");
    expect(kubeconfigSummary).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole("button", { name: "Use my kubeconfigs" }));
    expect(useOwnKubeconfigs).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("sandbox-banner")).toBeNull();
    expect(screen.queryByTestId("status-sandbox")).toBeNull();
    expect(screen.getByTestId("status-host").textContent).toContain("not chosen");
    expect(kubeconfigSummary).toHaveBeenCalledTimes(2);
  });
});

describe("the shell", () => {
  it("lists the six stages in the order of the procedure, the first one current", async () => {
    render(<App />);
    expect(navButtons().map((b) => b.textContent)).toEqual([
      "1Step 1: Kubeconfigs",
      "2Step 2: Host",
      "3Step 3: Proxy address",
      "4Step 4: Add cluster",
      "5Step 5: Join",
      "6Step 6: Clusters & history",
    ]);
    expect(navButtons()[0]).toHaveProperty("ariaCurrent", "step");
    expect(screen.getByRole("heading", { level: 2, name: "Kubeconfigs" })).toBeTruthy();
    const sources = await screen.findByTestId("kubeconfig-sources");
    expect(sources.textContent).toContain("/home/ada/.kube/prod.yaml");
    expect(screen.getByTestId("status-bar").textContent).toContain("/home/ada/.kube/prod.yaml");
  });

  it("shows each stage's empty state and guide, and its action leads to the step before", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(navButtons()[3]!);
    expect(screen.getByRole("heading", { level: 2, name: "Add cluster" })).toBeTruthy();
    expect(screen.getByText("The proxy address comes first")).toBeTruthy();
    expect(screen.getByTestId("guide").textContent).toContain("joinFederation");
    await user.click(screen.getByRole("button", { name: "Go to Proxy address" }));
    expect(screen.getByRole("heading", { level: 2, name: "Proxy address" })).toBeTruthy();
  });

  it("moves through the steps with the keyboard alone", async () => {
    const user = userEvent.setup();
    render(<App />);
    navButtons()[0]!.focus();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(document.activeElement).toBe(navButtons()[2]);
    await user.keyboard("{Enter}");
    expect(screen.getByRole("heading", { level: 2, name: "Proxy address" })).toBeTruthy();
    await user.keyboard("{End}");
    expect(document.activeElement).toBe(navButtons()[5]);
    await user.keyboard("{Alt>}5{/Alt}");
    expect(screen.getByRole("heading", { level: 2, name: "Join" })).toBeTruthy();
  });

  it("switches to Simplified Chinese and remembers it", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.selectOptions(screen.getByTestId("language"), "zh-CN");
    expect(screen.getByRole("heading", { level: 2, name: "Kubeconfig" })).toBeTruthy();
    expect(navButtons()[1]!.textContent).toContain("主集群");
    expect(localStorage.getItem("ks-onboard.language")).toBe("zh-CN");
    expect(document.documentElement.lang).toBe("zh-CN");
  });

  it("shows the host and member contexts in the status bar", async () => {
    appStatus.mockResolvedValue({
      version: "1.2.3",
      target: { type: "kubeconfigs", paths: [] },
      hostContext: "prod-host",
      memberContext: null,
    });
    render(<App />);
    expect((await screen.findByTestId("status-host")).textContent).toContain("prod-host");
    expect(screen.getByTestId("status-member").textContent).toContain("not chosen");
    expect(screen.getByTestId("status-bar").textContent).toContain("Version 1.2.3");
  });

  it("says so, with the hint, when the backend fails", async () => {
    appStatus.mockRejectedValue({ kind: "internal", message: "state lost", hint: "restart the app" });
    render(<App />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("state lost");
    expect(alert.textContent).toContain("restart the app");
  });

  it("hides and shows the guide, and remembers the choice", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByRole("button", { name: "Hide guide" }));
    expect(screen.queryByTestId("guide")).toBeNull();
    expect(localStorage.getItem("ks-onboard.guide-open")).toBe("false");
    await user.click(screen.getByRole("button", { name: "Show guide" }));
    expect(screen.getByTestId("guide")).toBeTruthy();
  });
});
