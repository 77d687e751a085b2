import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import HistoryPanel from "./HistoryPanel";
import { commands, type AuditLog_Serialize as AuditLog, type Entry_Serialize as Entry } from "../backend/bindings";

vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return { ...real, commands: { auditLog: vi.fn() } };
});
const auditLog = vi.mocked(commands.auditLog);

const PATH = "/home/ada/.local/share/ks-onboard/audit.jsonl";
const entry = (seq: number, extra: Partial<Entry>): Entry => ({
  seq,
  time: `2026-03-0${seq}T10:00:00Z`,
  program: "ks-onboard",
  action: "cluster-add",
  context: "prod-host",
  user: "admin",
  cluster: null,
  dryRun: false,
  result: "ok",
  error: null,
  changes: [],
  undo: null,
  prev: seq === 1 ? "0".repeat(64) : `${seq - 1}`.repeat(64),
  hash: `${seq}`.repeat(64),
  ...extra,
});
// Oldest first, as Rust reads the file.
const ENTRIES: Entry[] = [
  entry(1, {
    action: "proxy-address-set",
    changes: ["created Secret kubesphere-system/tower-proxy-address"],
    undo: "ks-onboard-cli proxy-address restore --context prod-host",
  }),
  entry(2, { cluster: "edge", dryRun: true, changes: ["would create Cluster edge"], undo: "ks-onboard-cli cluster remove edge --host-context prod-host" }),
  entry(3, {
    cluster: "edge",
    changes: ["created Cluster edge", "created Label zone01"],
    undo: "ks-onboard-cli cluster remove edge --host-context prod-host --member-context edge-member",
  }),
  entry(4, {
    action: "agent-apply",
    context: "edge-member",
    user: "kubernetes-admin",
    cluster: "edge",
    result: "failed",
    error: "deployments.apps is forbidden",
    changes: ["created Namespace kubesphere-system"],
    undo: "ks-onboard-cli cluster remove edge --host-context prod-host --member-context edge-member",
  }),
  entry(5, { cluster: "lab", program: "ks-onboard-cli", user: null, changes: ["created Cluster lab"] }),
];
const LOG: AuditLog = { path: PATH, integrity: { state: "intact", entries: 5 }, entries: ENTRIES };

beforeEach(async () => {
  await i18n.changeLanguage("en");
  auditLog.mockReset();
  auditLog.mockResolvedValue(LOG);
});

const rows = () =>
  Array.from(screen.getByTestId("history-table").querySelectorAll<HTMLElement>("tbody tr[data-seq]")).map((tr) => Number(tr.dataset.seq));
const row = (seq: number) => screen.getByTestId("history-table").querySelector<HTMLElement>(`tr[data-seq="${seq}"]`)!;

describe("History", () => {
  it("lists the log newest first with action labels, results and where each change came from", async () => {
    render(<HistoryPanel />);
    await screen.findByTestId("history-table");
    expect(auditLog).toHaveBeenCalledWith({});
    expect(rows()).toEqual([5, 4, 3, 2, 1]);
    const integrity = screen.getByTestId("audit-integrity");
    expect(integrity.textContent).toContain("Audit log intact: 5 entries, every hash checked");
    expect(integrity.textContent).toContain(PATH);
    expect(screen.getByTestId("history-count").textContent).toBe("5 of 5 entries");

    expect(row(1).textContent).toContain("Set proxy address");
    expect(row(4).textContent).toContain("Apply agent.yaml");
    expect(row(5).textContent).toContain("Add cluster");
    // Local time to read, the log's UTC value on hover.
    expect(row(5).querySelector("time")!.getAttribute("title")).toBe("2026-03-05T10:00:00Z");
    expect(row(2).textContent).toContain("dry run");
    expect(row(3).textContent).not.toContain("dry run");
    expect(row(4).textContent).toContain("Failed");
    expect(row(4).textContent).toContain("deployments.apps is forbidden");
    expect(row(4).textContent).toContain("edge-member");
    expect(row(4).textContent).toContain("as kubernetes-admin");
    expect(within(row(3)).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["created Cluster edge", "created Label zone01"]);
    expect(row(3).textContent).toContain("App");
    expect(row(5).textContent).toContain("CLI");
    expect(row(1).textContent).toContain("—");
  });

  it("narrows the rows by cluster, action, result and text", async () => {
    const user = userEvent.setup();
    render(<HistoryPanel />);
    await screen.findByTestId("history-table");
    const clusterSelect = screen.getByLabelText("Cluster");
    // The clusters in the log, plus All.
    expect(within(clusterSelect).getAllByRole("option").map((o) => o.textContent)).toEqual(["All", "edge", "lab"]);

    await user.selectOptions(clusterSelect, "edge");
    expect(rows()).toEqual([4, 3, 2]);
    expect(screen.getByTestId("history-count").textContent).toBe("3 of 5 entries");
    await user.selectOptions(screen.getByLabelText("Result"), "failed");
    expect(rows()).toEqual([4]);
    await user.selectOptions(screen.getByLabelText("Result"), "ok");
    expect(rows()).toEqual([3, 2]);
    await user.selectOptions(screen.getByLabelText("Result"), "");

    await user.type(screen.getByLabelText("Search"), "ZONE01");
    expect(rows()).toEqual([3]);
    await user.clear(screen.getByLabelText("Search"));
    await user.selectOptions(clusterSelect, "");
    // The search reads the context, the user and the error too.
    await user.type(screen.getByLabelText("Search"), "forbidden");
    expect(rows()).toEqual([4]);
    await user.clear(screen.getByLabelText("Search"));
    await user.type(screen.getByLabelText("Search"), "edge-member");
    expect(rows()).toEqual([4]);
    await user.clear(screen.getByLabelText("Search"));
    await user.type(screen.getByLabelText("Search"), "admin");
    expect(rows()).toEqual([4, 3, 2, 1]);
    await user.clear(screen.getByLabelText("Search"));

    await user.selectOptions(screen.getByLabelText("Action"), "proxy-address-set");
    expect(rows()).toEqual([1]);
    await user.selectOptions(clusterSelect, "lab");
    expect(screen.queryByTestId("history-table")).toBeNull();
    expect(screen.getByTestId("history-no-match").textContent).toBe("No entry matches these filters.");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(rows()).toEqual([5, 4, 3, 2, 1]);
  });

  it("opens an entry's detail with its undo command to copy and its hash", async () => {
    const user = userEvent.setup();
    render(<HistoryPanel />);
    await screen.findByTestId("history-table");
    const toggle = within(row(3)).getByRole("button", { name: "Details of entry 3" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await user.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const detail = screen.getByTestId("history-table").querySelector<HTMLElement>('tr[data-detail-of="3"]')!;
    expect(toggle.getAttribute("aria-controls")).toBe(detail.id);
    const command = "ks-onboard-cli cluster remove edge --host-context prod-host --member-context edge-member";
    expect(within(detail).getByTestId("history-undo").textContent).toBe(command);
    expect(within(detail).getByTestId("history-hash").textContent).toContain("Entry 3 · hash 333333333333");
    await user.click(within(detail).getByRole("button", { name: "Copy" }));
    expect(await navigator.clipboard.readText()).toBe(command);
    expect(detail.textContent).toContain("Copied");

    // A dry run has nothing to take back; a failed change warns before its command.
    await user.click(within(row(2)).getByRole("button", { name: "Details of entry 2" }));
    const dryRun = screen.getByTestId("history-table").querySelector<HTMLElement>('tr[data-detail-of="2"]')!;
    expect(dryRun.textContent).toContain("A dry run changes nothing");
    expect(within(dryRun).queryByRole("button", { name: "Copy" })).toBeNull();
    await user.click(within(row(4)).getByRole("button", { name: "Details of entry 4" }));
    expect(screen.getByTestId("history-table").querySelector('tr[data-detail-of="4"]')!.textContent).toContain("This change failed");

    await user.click(toggle);
    expect(screen.getByTestId("history-table").querySelector('tr[data-detail-of="3"]')).toBeNull();
  });

  it("says prominently where the log was altered, and what to do", async () => {
    auditLog.mockResolvedValue({
      path: PATH,
      integrity: { state: "broken", line: 3, problem: "the chain breaks here: an entry before it was removed, changed or moved" },
      entries: ENTRIES.slice(0, 2),
    });
    render(<HistoryPanel />);
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.state).toBe("broken");
    expect(alert.textContent).toContain("The audit log was altered at line 3 (the chain breaks here");
    expect(alert.textContent).toContain("Entries after that point are not shown");
    expect(alert.textContent).toContain("Keep the file as evidence");
    expect(alert.textContent).toContain(`move ${PATH} and audit.head.json`);
    // What could be read before the break is still listed.
    expect(rows()).toEqual([2, 1]);
    expect(screen.queryByText(/Audit log intact/)).toBeNull();
  });

  it("says when nothing has been changed from this machine yet", async () => {
    auditLog.mockResolvedValue({ path: PATH, integrity: { state: "intact", entries: 0 }, entries: [] });
    render(<HistoryPanel />);
    expect((await screen.findByTestId("history-empty")).textContent).toBe("No change has been made to a cluster from this machine yet.");
    expect(screen.queryByTestId("history-table")).toBeNull();
    expect(screen.queryByLabelText("Cluster")).toBeNull();
    expect(screen.getByTestId("audit-integrity").textContent).toContain("Audit log intact: 0 entries");
  });

  it("shows why the log could not be read, and reads it again on Refresh", async () => {
    const user = userEvent.setup();
    auditLog.mockRejectedValue({ kind: "io", message: "could not read /data/audit.jsonl: permission denied", hint: "check the file's owner" });
    render(<HistoryPanel />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The audit log could not be read");
    expect(alert.textContent).toContain("permission denied");
    expect(alert.textContent).toContain("check the file's owner");

    auditLog.mockResolvedValue(LOG);
    await waitFor(() => expect((screen.getByTestId("refresh-history") as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId("refresh-history"));
    await screen.findByTestId("history-table");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(auditLog).toHaveBeenCalledTimes(2);
  });

  it("speaks Chinese", async () => {
    await i18n.changeLanguage("zh-CN");
    render(<HistoryPanel />);
    await screen.findByTestId("history-table");
    expect(screen.getByRole("heading", { name: "历史记录" })).toBeTruthy();
    expect(screen.getByTestId("audit-integrity").textContent).toContain("审计日志完整：共 5 条记录");
    expect(row(4).textContent).toContain("应用 agent.yaml");
    expect(row(4).textContent).toContain("失败");
    expect(row(2).textContent).toContain("试运行");
    expect(row(5).textContent).toContain("命令行");
  });
});
