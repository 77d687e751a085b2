import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "./i18n";
import App from "./App";
import { commands } from "./backend/bindings";
import { ROW_HEIGHT } from "./stages/KubeconfigsPage";

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

describe("the Kubeconfigs page at 50,000 contexts", () => {
  const many = Array.from({ length: 50_000 }, (_, i) => ({
    ...context(`ctx-${String(i).padStart(5, "0")}`, `https://10.${i >> 8 & 255}.${i & 255}.1:6443`, { kind: "token" as const }),
    cluster: `cluster-${i}`,
    user: i === 31_337 ? "Grace" : "admin",
    namespace: i % 1000 === 0 ? "Payments" : "",
  }));

  beforeEach(() => {
    kubeconfigSummary.mockResolvedValue({ currentContext: "ctx-00000", contexts: many });
  });

  const dataRows = () => screen.getAllByRole("row").filter((row) => row.hasAttribute("data-context"));

  it("renders only a window of the rows and counts them all", async () => {
    render(<App />);
    await screen.findByText("ctx-00000");
    expect(screen.getByTestId("context-count").textContent).toBe("50000 of 50000 contexts");
    const rows = dataRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(screen.queryByText("ctx-49999")).toBeNull();
    expect(screen.getByRole("table").getAttribute("aria-rowcount")).toBe("50001");
  });

  it("searches name, cluster, server, user and namespace as you type, ignoring case", async () => {
    const user = userEvent.setup();
    render(<App />);
    await screen.findByText("ctx-00000");
    const search = screen.getByTestId("context-search");
    await user.type(search, "CTX-4999");
    expect(await screen.findByText("ctx-49999")).toBeTruthy();
    expect(screen.getByTestId("context-count").textContent).toBe("10 of 50000 contexts");
    // The other fields, pasted: typing each character at 50,000 rows is slow under jsdom.
    for (const [term, count, first] of [
      ["cluster-31337", 1, "ctx-31337"],
      ["10.122.105.1:", 1, "ctx-31337"],
      ["grace", 1, "ctx-31337"],
      ["payments", 50, "ctx-00000"],
    ] as const) {
      await user.clear(search);
      await user.click(search);
      await user.paste(term);
      await screen.findByText(`${count} of 50000 contexts`);
      expect(dataRows()[0]!.getAttribute("data-context")).toBe(first);
    }
    await user.clear(search);
    await user.click(search);
    await user.paste("no such context");
    await screen.findByText("0 of 50000 contexts");
    expect(dataRows()).toHaveLength(0);
  }, 30_000);

  it("moves between rows with the keyboard, to the last one and back", async () => {
    const user = userEvent.setup();
    render(<App />);
    const first = (await screen.findByText("ctx-00000")).closest("tr")!;
    // jsdom lays nothing out: give the list the heights a browser would compute.
    const list = document.getElementById("context-list")!;
    Object.defineProperty(list, "clientHeight", { value: 640 });
    Object.defineProperty(list, "scrollHeight", { value: 50_000 * ROW_HEIGHT });
    first.focus();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement?.getAttribute("data-context")).toBe("ctx-00001");
    await user.keyboard("{End}");
    await waitFor(() => expect(document.activeElement?.getAttribute("data-context")).toBe("ctx-49999"));
    await user.keyboard("{ArrowUp}");
    expect(document.activeElement?.getAttribute("data-context")).toBe("ctx-49998");
    await user.keyboard("{Home}");
    await waitFor(() => expect(document.activeElement?.getAttribute("data-context")).toBe("ctx-00000"));
    await user.tab();
    expect(document.activeElement?.textContent).toBe("Host");
  }, 30_000);
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
    // The sources line first shows the default, then the status from Rust once it arrives.
    await waitFor(() => expect(screen.getByTestId("kubeconfig-sources").textContent).toContain("/home/ada/.kube/prod.yaml"));
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
