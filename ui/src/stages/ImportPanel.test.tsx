import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import App from "../App";
import { commands, type ContextDetails_Serialize, type ImportPreview_Serialize } from "../backend/bindings";

vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return {
    ...real,
    commands: {
      appStatus: vi.fn(),
      kubeconfigSummary: vi.fn(),
      assignRole: vi.fn(),
      useOwnKubeconfigs: vi.fn(),
      previewImport: vi.fn(),
      importContexts: vi.fn(),
      contextDetails: vi.fn(),
      removeContexts: vi.fn(),
      copyCredential: vi.fn(),
    },
  };
});

// Tauri hands dropped files to the webview as an event; here the test plays the window.
type DragHandler = (event: { payload: { type: "enter" | "drop"; paths: string[] } | { type: "leave" } }) => void;
let dragHandler: DragHandler | null = null;
vi.mock("@tauri-apps/api/webview", () => ({
  getCurrentWebview: () => ({
    onDragDropEvent: async (handler: DragHandler) => {
      dragHandler = handler;
      return () => {
        dragHandler = null;
      };
    },
  }),
}));

// These tests type whole paths and names; CI shares two cores with the Rust build.
vi.setConfig({ testTimeout: 20_000 });

const mocked = {
  appStatus: vi.mocked(commands.appStatus),
  kubeconfigSummary: vi.mocked(commands.kubeconfigSummary),
  previewImport: vi.mocked(commands.previewImport),
  importContexts: vi.mocked(commands.importContexts),
  contextDetails: vi.mocked(commands.contextDetails),
  removeContexts: vi.mocked(commands.removeContexts),
  copyCredential: vi.mocked(commands.copyCredential),
};

const STATUS = { version: "9.9.9", target: { type: "kubeconfigs" as const, paths: [] }, hostContext: null, memberContext: null };
const A = "/home/ada/a.kubeconfig";
const B = "/home/ada/b.kubeconfig";
const BROKEN = "/home/ada/broken.kubeconfig";

const candidate = (name: string, suggestedName: string, conflict: { kind: "imported" | "inFiles" | "inThisImport" } | null) => ({
  name,
  cluster: "kubernetes",
  server: "https://10.0.0.1:6443",
  user: "kubernetes-admin",
  auth: { kind: "token" as const },
  namespace: "",
  insecure: false,
  file: "/home/ada/host.yaml",
  imported: false,
  conflict,
  suggestedName,
  problem: null,
});

const PREVIEW: ImportPreview_Serialize = {
  groups: [
    { label: A, error: null, contexts: [candidate("kubernetes-admin@kubernetes", "kubernetes-admin@kubernetes", null), candidate("prod", "prod-2", { kind: "imported" })] },
    { label: B, error: null, contexts: [candidate("kubernetes-admin@kubernetes", "kubernetes-admin@kubernetes-2", { kind: "inThisImport" })] },
    { label: BROKEN, error: { kind: "invalidInput", message: "kubeconfig broken.kubeconfig is not valid YAML at line 2", hint: "fix the file" }, contexts: [] },
  ],
};

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("en");
  for (const mock of Object.values(mocked)) mock.mockReset();
  mocked.appStatus.mockResolvedValue(STATUS);
  mocked.kubeconfigSummary.mockResolvedValue({ currentContext: "", contexts: [] });
  mocked.previewImport.mockResolvedValue(PREVIEW);
});

async function openWithFiles(user: ReturnType<typeof userEvent.setup>, paths: string[]) {
  render(<App />);
  await user.click(await screen.findByRole("button", { name: "Import kubeconfigs…" }));
  for (const path of paths) {
    await user.type(screen.getByLabelText("Path of a kubeconfig file"), `${path}{Enter}`);
  }
  await user.click(screen.getByRole("button", { name: "Preview" }));
  return screen.findByTestId("import-preview");
}

const row = (group: string, name: string) =>
  within(screen.getByRole("region", { name: group })).getByText(name, { selector: ".context-name" }).closest("tr")!;

describe("the import dialog", () => {
  it("opens from the empty list with the first field focused, closes on Escape and gives focus back", async () => {
    const user = userEvent.setup({ delay: null });
    render(<App />);
    const open = await screen.findByRole("button", { name: "Import kubeconfigs…" });
    await user.click(open);
    const dialog = screen.getByRole("dialog", { name: "Import kubeconfigs" });
    expect(document.activeElement).toBe(within(dialog).getByRole("radio", { name: "Files" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(open);
  });

  it("previews every file: contexts, suggested names, conflicts, and a file that cannot be read", async () => {
    const user = userEvent.setup({ delay: null });
    await openWithFiles(user, [A, B, BROKEN]);
    expect(mocked.previewImport).toHaveBeenCalledWith({ type: "files", paths: [A, B, BROKEN] });

    const first = row(A, "kubernetes-admin@kubernetes");
    expect(within(first).getByRole<HTMLInputElement>("textbox").value).toBe("kubernetes-admin@kubernetes");
    expect(within(first).getByRole<HTMLInputElement>("checkbox").checked).toBe(true);
    expect(first.textContent).toContain("https://10.0.0.1:6443");
    expect(first.textContent).toContain("cluster kubernetes · user kubernetes-admin");
    expect(first.textContent).toContain("token");
    expect(first.textContent).toContain("namespace default");

    const second = row(B, "kubernetes-admin@kubernetes");
    expect(within(second).getByRole<HTMLInputElement>("textbox").value).toBe("kubernetes-admin@kubernetes-2");
    expect(second.textContent).toContain("twice in this import");

    const prod = row(A, "prod");
    expect(prod.textContent).toContain("imported before");
    expect(within(prod).getByRole<HTMLInputElement>("textbox").value).toBe("prod-2");
    expect(within(prod).getByRole("checkbox", { name: "Replace the imported one" })).toBeTruthy();

    const broken = within(screen.getByRole("region", { name: BROKEN })).getByRole("alert");
    expect(broken.textContent).toContain("not valid YAML at line 2");
    expect(broken.textContent).toContain("fix the file");
    expect(screen.getByRole("button", { name: "Import 3 contexts" })).toBeTruthy();
    // Focus stayed on Preview while it ran, so the keyboard still works: Escape closes.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Preview" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("leaves a context with a problem unticked", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.previewImport.mockResolvedValue({
      groups: [{ label: A, error: null, contexts: [{ ...candidate("orphan", "orphan", null), server: null, problem: "its cluster “gone” is in no file" }] }],
    });
    await openWithFiles(user, [A]);
    const orphan = row(A, "orphan");
    expect(within(orphan).getByRole<HTMLInputElement>("checkbox", { name: "Import orphan" }).checked).toBe(false);
    expect(orphan.textContent).toContain("its cluster “gone” is in no file");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Import" }).disabled).toBe(true);
  });

  it("imports the ticked contexts under the edited names, with the replace flag, then re-reads the list", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.importContexts.mockResolvedValue({ imported: ["host", "prod"], secretsSaved: 2 });
    await openWithFiles(user, [A, B, BROKEN]);

    const first = within(row(A, "kubernetes-admin@kubernetes")).getByRole("textbox");
    await user.clear(first);
    await user.type(first, "host");
    await user.click(within(row(A, "prod")).getByRole("checkbox", { name: "Replace the imported one" }));
    await user.click(within(row(B, "kubernetes-admin@kubernetes")).getByRole("checkbox"));
    const listReads = mocked.kubeconfigSummary.mock.calls.length;
    await user.click(screen.getByRole("button", { name: "Import 2 contexts" }));

    expect(mocked.importContexts).toHaveBeenCalledWith({ type: "files", paths: [A, B, BROKEN] }, [
      { group: 0, context: "kubernetes-admin@kubernetes", saveAs: "host", replace: false },
      { group: 0, context: "prod", saveAs: "prod", replace: true },
    ]);
    expect((await screen.findByTestId("import-outcome")).textContent).toBe("2 contexts imported, 2 credentials saved in the OS keyring.");
    expect(screen.queryByRole("dialog")).toBeNull();
    await vi.waitFor(() => expect(mocked.kubeconfigSummary.mock.calls.length).toBe(listReads + 1));
  });

  it("shows a missing keyring with its hint and keeps everything typed", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.importContexts.mockRejectedValue({
      kind: "unavailable",
      message: "the OS keyring is not available: no Secret Service on the session bus",
      hint: "start gnome-keyring or KWallet, then import again",
    });
    await openWithFiles(user, [A]);
    const name = within(row(A, "kubernetes-admin@kubernetes")).getByRole("textbox");
    await user.clear(name);
    await user.type(name, "host");
    await user.click(screen.getByRole("button", { name: "Import 3 contexts" }));

    const alert = (await screen.findByText("Nothing was imported")).closest<HTMLElement>("[role=alert]")!;
    expect(alert.textContent).toContain("no Secret Service");
    expect(alert.textContent).toContain("start gnome-keyring or KWallet");
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(within(row(A, "kubernetes-admin@kubernetes")).getByRole<HTMLInputElement>("textbox").value).toBe("host");
    expect(screen.getByRole("list", { name: "Files to import" }).textContent).toContain(A);
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Import 3 contexts" }).disabled).toBe(false);
  });

  it("previews pasted YAML and the default locations", async () => {
    const user = userEvent.setup({ delay: null });
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Import kubeconfigs…" }));
    await user.click(screen.getByRole("radio", { name: "Paste YAML" }));
    await user.type(screen.getByLabelText("Kubeconfig YAML"), "apiVersion: v1");
    await user.click(screen.getByRole("button", { name: "Preview" }));
    expect(mocked.previewImport).toHaveBeenLastCalledWith({ type: "text", text: "apiVersion: v1" });
    await user.click(screen.getByRole("radio", { name: "Default locations" }));
    expect(screen.queryByTestId("import-preview")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Preview" }));
    expect(mocked.previewImport).toHaveBeenLastCalledWith({ type: "defaultLocations" });
  });

  it("opens with the files dropped onto the window", async () => {
    const user = userEvent.setup({ delay: null });
    render(<App />);
    await screen.findByRole("button", { name: "Import kubeconfigs…" });
    await vi.waitFor(() => expect(dragHandler).not.toBeNull());
    act(() => dragHandler!({ payload: { type: "drop", paths: [A, B] } }));
    const files = within(screen.getByRole("dialog")).getByRole("list", { name: "Files to import" });
    expect(within(files).getAllByRole("listitem").map((item) => item.querySelector("code")!.textContent)).toEqual([A, B]);
    expect(screen.getByTestId("drop-hint")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: `Remove ${A}` }));
    expect(within(files).getAllByRole("listitem")).toHaveLength(1);
    expect(document.activeElement).toBe(screen.getByLabelText("Path of a kubeconfig file"));
  });

  it("takes files dropped while it is open: back to the file list, the old preview dropped", async () => {
    const user = userEvent.setup({ delay: null });
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Import kubeconfigs…" }));
    await user.click(screen.getByRole("radio", { name: "Default locations" }));
    await user.click(screen.getByRole("button", { name: "Preview" }));
    await screen.findByTestId("import-preview");
    act(() => dragHandler!({ payload: { type: "drop", paths: [B] } }));
    expect(screen.getByRole<HTMLInputElement>("radio", { name: "Files" }).checked).toBe(true);
    expect(screen.getByRole("list", { name: "Files to import" }).textContent).toContain(B);
    expect(screen.queryByTestId("import-preview")).toBeNull();
  });
});

const SECRET = "eyJhbGciOi-secret-token-value";
const DETAILS: ContextDetails_Serialize = {
  name: "host",
  namespace: "",
  cluster: {
    name: "kubernetes",
    server: "https://10.0.0.1:6443",
    tlsServerName: "",
    insecure: false,
    certificateAuthority: { kind: "embedded", bytes: 1099 },
    proxyUrl: "",
  },
  user: {
    name: "kubernetes-admin",
    auth: { kind: "token" },
    // As if a faulty backend sent a value along: the UI must show only the field and place.
    credentials: [{ field: "token", place: { kind: "keyring" }, value: SECRET } as never],
    exec: null,
  },
  file: "/home/ada/.local/share/ks-onboard/contexts.yaml",
  imported: true,
  roles: ["host"],
};

describe("context details", () => {
  beforeEach(() => {
    mocked.kubeconfigSummary.mockResolvedValue({
      currentContext: "",
      contexts: [
        {
          name: "host",
          cluster: "kubernetes",
          server: "https://10.0.0.1:6443",
          user: "kubernetes-admin",
          auth: { kind: "token" },
          namespace: "",
          insecure: false,
          file: "/home/ada/.local/share/ks-onboard/contexts.yaml",
          imported: true,
        },
      ],
    });
    mocked.contextDetails.mockResolvedValue(DETAILS);
  });

  it("shows where each credential is kept as •••• and never its value", async () => {
    const user = userEvent.setup({ delay: null });
    render(<App />);
    const hostRow = (await screen.findByText("host", { selector: ".context-name" })).closest("tr")!;
    expect(hostRow.textContent).toContain("imported");
    await user.click(within(hostRow).getByRole("button", { name: "Details of host" }));
    const dialog = await screen.findByRole("dialog", { name: "Context host" });
    const token = await within(dialog).findByText("token", { selector: "code" });
    expect(token.closest("li")!.textContent).toBe("token••••in the OS keyringCopy");
    expect(dialog.textContent).toContain("https://10.0.0.1:6443");
    expect(dialog.textContent).toContain("embedded in the kubeconfig (1099 bytes)");
    expect(dialog.textContent).toContain("imported into the app");
    expect(dialog.textContent).toContain("Role in the flowHost");
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(mocked.contextDetails).toHaveBeenCalledWith("host");
  });

  it("copies a credential through Rust and says so; a failure shows its hint", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.copyCredential.mockResolvedValueOnce(null);
    render(<App />);
    const hostRow = (await screen.findByText("host", { selector: ".context-name" })).closest("tr")!;
    await user.click(within(hostRow).getByRole("button", { name: "Details of host" }));
    const dialog = await screen.findByRole("dialog", { name: "Context host" });
    await user.click(await within(dialog).findByRole("button", { name: "Copy token to the clipboard" }));
    expect(mocked.copyCredential).toHaveBeenCalledWith("host", "token");
    expect(await within(dialog).findByText("copied to the clipboard")).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(SECRET);

    mocked.copyCredential.mockRejectedValueOnce({
      kind: "unavailable",
      message: "the clipboard could not be written",
      hint: "check that a desktop session is running, then try again",
    });
    await user.click(within(dialog).getByRole("button", { name: "Copy token to the clipboard" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("check that a desktop session is running");
  });

  it("shows an exec plugin's command and what to do when it is missing", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.contextDetails.mockResolvedValue({
      ...DETAILS,
      imported: false,
      file: "/home/ada/.kube/config",
      user: {
        name: "oidc",
        auth: { kind: "exec", command: "kubelogin" },
        credentials: [],
        exec: { command: "kubelogin", args: ["get-token"], apiVersion: "client.authentication.k8s.io/v1", installHint: "install kubelogin", provideClusterInfo: false, envNames: ["AZURE_SECRET"] },
      },
    });
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Details of host" }));
    const dialog = await screen.findByRole("dialog", { name: "Context host" });
    await within(dialog).findByText("kubelogin get-token");
    expect(dialog.textContent).toContain("environment: AZURE_SECRET");
    expect(dialog.textContent).toContain("install kubelogin");
    expect(dialog.textContent).toContain("/home/ada/.kube/config");
    expect(within(dialog).queryByRole("button", { name: "Remove from app" })).toBeNull();
  });

  it("removes an imported context only after confirmation, then re-reads the list", async () => {
    const user = userEvent.setup({ delay: null });
    mocked.removeContexts.mockResolvedValue({ ...STATUS, hostContext: null });
    render(<App />);
    await user.click(await screen.findByRole("button", { name: "Details of host" }));
    const dialog = await screen.findByRole("dialog", { name: "Context host" });
    await user.click(await within(dialog).findByRole("button", { name: "Remove from app" }));
    expect(mocked.removeContexts).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Keep it" }));
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Remove from app" }));
    await user.click(within(dialog).getByRole("button", { name: "Remove from app" }));
    expect(dialog.textContent).toContain("Your own kubeconfig files are not touched");
    const reads = mocked.kubeconfigSummary.mock.calls.length;
    mocked.kubeconfigSummary.mockResolvedValue({ currentContext: "", contexts: [] });
    await user.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(mocked.removeContexts).toHaveBeenCalledWith(["host"]);
    expect(await screen.findByText("No contexts found")).toBeTruthy();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(mocked.kubeconfigSummary.mock.calls.length).toBe(reads + 1);
  });
});
