import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import HostPage from "./HostPage";
import { commands, type CheckResult_Serialize as CheckResult } from "../backend/bindings";

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
  return { ...real, commands: { hostPreflight: vi.fn(), cancelTask: vi.fn() } };
});
const hostPreflight = vi.mocked(commands.hostPreflight);
const cancelTask = vi.mocked(commands.cancelTask);

const check = (id: CheckResult["id"], verdict: CheckResult["verdict"], summary: string, fix: string | null = null): CheckResult => ({
  id,
  title: id,
  verdict,
  summary,
  evidence: [`evidence of ${id}`],
  fix,
  elapsedMs: 12,
});

/** Makes the next run wait: `send` streams a check, `finish` gives Rust's final answer. */
function pendingRun() {
  const run = { send: (_result: CheckResult) => {}, finish: (_all: CheckResult[]) => {} };
  hostPreflight.mockImplementation((_context, _task, channel) => {
    run.send = (result) => channel.onmessage(result);
    return new Promise((resolve) => (run.finish = resolve));
  });
  return { send: (result: CheckResult) => run.send(result), finish: (all: CheckResult[]) => run.finish(all) };
}

beforeEach(async () => {
  await i18n.changeLanguage("en");
  hostPreflight.mockReset();
  cancelTask.mockReset();
});

describe("Host page", () => {
  it("contacts nothing until asked, shows each check as it arrives, then the outcome", async () => {
    const user = userEvent.setup();
    const { send, finish } = pendingRun();
    render(<HostPage context="prod-host" />);
    expect(hostPreflight).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Run checks" }));
    expect(hostPreflight).toHaveBeenCalledWith("prod-host", expect.any(String), expect.anything());
    const rows = () => screen.getAllByRole("listitem").filter((li) => li.dataset.check);
    expect(rows()).toHaveLength(9);
    expect(rows().every((row) => row.dataset.verdict === "pending")).toBe(true);

    const connection = check("connection", "pass", "https://10.0.0.1:6443 answers");
    const proxy = check("proxyAddress", "fail", "no proxy address", "forward PUBLIC_IP:PORT → 192.168.0.10:30721");
    send(connection);
    expect(await screen.findByText("https://10.0.0.1:6443 answers")).toBeTruthy();
    expect(rows().find((r) => r.dataset.check === "connection")!.dataset.verdict).toBe("pass");
    expect(rows().find((r) => r.dataset.check === "permissions")!.dataset.verdict).toBe("pending");
    send(proxy);
    finish([connection, proxy]);

    expect((await screen.findByRole("status")).textContent).toContain("1 check(s) failed");
    const failed = rows().find((r) => r.dataset.check === "proxyAddress")!;
    expect(failed.dataset.verdict).toBe("fail");
    expect(within(failed).getByText(/forward PUBLIC_IP:PORT/)).toBeTruthy();
    expect(within(failed).getByText("Proxy address")).toBeTruthy();
    expect(rows()).toHaveLength(2);
    expect((screen.getByRole("button", { name: "Check again" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows an error with its hint when the checks cannot run", async () => {
    const user = userEvent.setup();
    hostPreflight.mockRejectedValue({ kind: "io", message: "the OS keyring is locked", hint: "unlock it" });
    render(<HostPage context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Run checks" }));
    expect(await screen.findByText("the OS keyring is locked")).toBeTruthy();
    expect(screen.getByText(/unlock it/)).toBeTruthy();
  });

  it("names the checks in Chinese too", async () => {
    const user = userEvent.setup();
    await i18n.changeLanguage("zh-CN");
    hostPreflight.mockResolvedValue([check("towerExtension", "pass", "tower 1.0.0 installed and enabled")]);
    render(<HostPage context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "运行检查" }));
    expect(await screen.findByText("tower 扩展已安装并启用")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("主集群已就绪");
  });

  it("stops a run on request, keeps what had arrived, and ignores the late answer", async () => {
    const user = userEvent.setup();
    const { send, finish } = pendingRun();
    cancelTask.mockResolvedValue(true);
    render(<HostPage context="prod-host" />);
    await user.click(screen.getByRole("button", { name: "Run checks" }));
    send(check("connection", "pass", "https://10.0.0.1:6443 answers"));
    await screen.findByText("https://10.0.0.1:6443 answers");
    await user.click(screen.getByRole("button", { name: "Stop" }));
    const task = hostPreflight.mock.calls[0]![1];
    expect(cancelTask).toHaveBeenCalledWith(task);
    expect(screen.getByTestId("checks-cancelled").textContent).toMatch(/nothing was changed/);
    expect(screen.queryByRole("button", { name: "Stop" })).toBeNull();
    expect(screen.getByText("https://10.0.0.1:6443 answers")).toBeTruthy();
    // Rust's answer for the stopped run comes late: it changes nothing on the page.
    finish([check("connection", "fail", "late answer")]);
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.queryByText("late answer")).toBeNull();
    expect(screen.getByRole("button", { name: "Check again" })).toBeTruthy();
  });
});
