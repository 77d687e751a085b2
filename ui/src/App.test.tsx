import { describe, expect, it, vi, beforeEach } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "./i18n";
import App from "./App";
import { commands } from "./backend/bindings";

vi.mock("./backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("./backend/bindings")>();
  return { ...real, commands: { appStatus: vi.fn() } };
});
const appStatus = vi.mocked(commands.appStatus);

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
  appStatus.mockReset();
  appStatus.mockResolvedValue({
    version: "9.9.9",
    target: { type: "kubeconfigs", paths: ["/home/ada/.kube/prod.yaml"] },
    hostContext: null,
    memberContext: null,
  });
});

const navButtons = () => within(screen.getByRole("navigation")).getAllByRole("button");

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
    const page = screen.getByTestId("stage-kubeconfigs");
    expect(await within(page).findByText("/home/ada/.kube/prod.yaml")).toBeTruthy();
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
