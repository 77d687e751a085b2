import { describe, expect, it, vi, beforeEach } from "vitest";
import { useState } from "react";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import AddClusterPage from "./AddClusterPage";
import App from "../App";
import { FlowProvider, useFlow } from "../flow";
import {
  commands,
  type ClusterPreview_Serialize as ClusterPreview,
  type FieldProblem_Serialize as FieldProblem,
  type FormOptions_Serialize as FormOptions,
} from "../backend/bindings";

vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return {
    ...real,
    commands: {
      appStatus: vi.fn(),
      kubeconfigSummary: vi.fn(),
      clusterFormOptions: vi.fn(),
      checkClusterName: vi.fn(),
      previewCluster: vi.fn(),
      addCluster: vi.fn(),
      joinRecords: vi.fn(),
    },
  };
});
const mocked = vi.mocked(commands);

const DEFAULT_CONFIG = "global:\n  imageRegistry: docker.io\n";
const OPTIONS: FormOptions = {
  tags: [{ id: "l8kq2x", key: "env", value: "prod", color: "#3385ff" }],
  providers: ["Aliyun ACK", "Amazon EKS"],
  groups: ["production", "development", "testing", "demo"],
  defaultConfig: DEFAULT_CONFIG,
  creator: "admin",
  nameMax: 60,
  aliasMax: 63,
  descriptionMax: 256,
  tagsMax: 5,
};
const problem = (field: FieldProblem["field"], code: FieldProblem["code"], extra: Partial<FieldProblem> = {}): FieldProblem => ({
  field,
  code,
  limit: null,
  line: null,
  message: "English text for the CLI",
  ...extra,
});
const PREVIEW: ClusterPreview = {
  problems: [],
  yaml: "apiVersion: cluster.kubesphere.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: edge\n",
  placements: [
    { field: "name", path: "metadata.name", value: "edge" },
    { field: "tags", path: 'metadata.labels["label.cluster.kubesphere.io/l8kq2x"]', value: "env=prod" },
    { field: "connection", path: "spec.connection.type", value: "proxy" },
  ],
  newTags: [{ key: "zone", value: "eu" }],
};

/** The page as StagePage shows it, with a switch that takes it off the screen and back. */
function Harness({ onNavigate = () => {} }: { onNavigate?: (stage: string) => void }) {
  const [shown, setShown] = useState(true);
  return (
    <FlowProvider>
      <button type="button" onClick={() => setShown((s) => !s)}>
        toggle page
      </button>
      {shown && <AddClusterPage host="prod-host" member="edge-member" onNavigate={onNavigate} />}
      <Current />
    </FlowProvider>
  );
}
function Current() {
  const { currentCluster } = useFlow();
  return <output data-testid="current-cluster">{currentCluster ? `${currentCluster.host}/${currentCluster.cluster}` : ""}</output>;
}

beforeEach(async () => {
  await i18n.changeLanguage("en");
  for (const fn of Object.values(mocked)) vi.mocked(fn).mockReset();
  mocked.clusterFormOptions.mockResolvedValue(OPTIONS);
  mocked.checkClusterName.mockResolvedValue([]);
  mocked.previewCluster.mockResolvedValue(PREVIEW);
});

const nameField = () => screen.getByLabelText(/^(Name|名称)/) as HTMLInputElement;
const next = () => screen.getByTestId("wizard-next");

describe("Add cluster: validation", () => {
  it("checks the name live (debounced), shows problems next to the field, and refuses Next", async () => {
    const user = userEvent.setup();
    mocked.checkClusterName.mockImplementation(async (_context, name) =>
      name === "Bad_Name" ? [problem("name", "pattern")] : name === "prod" ? [problem("name", "taken")] : [],
    );
    render(<Harness />);
    await user.type(await screen.findByLabelText(/^Name/), "Bad_Name");
    const errors = document.getElementById("cluster-name-errors")!;
    await waitFor(() => expect(errors.textContent).toContain("Use only lower-case letters, digits and “-”"));
    // One check for the whole name, not one per keystroke.
    expect(mocked.checkClusterName).toHaveBeenCalledTimes(1);
    expect(mocked.checkClusterName).toHaveBeenCalledWith("prod-host", "Bad_Name");
    expect(nameField().getAttribute("aria-invalid")).toBe("true");
    expect(nameField().getAttribute("aria-describedby")).toContain("cluster-name-errors");

    await user.clear(nameField());
    await user.type(nameField(), "prod");
    await waitFor(() => expect(errors.textContent).toBe("The host already has a cluster of this name."));

    await user.clear(nameField());
    await user.type(nameField(), "edge");
    await waitFor(() => expect(screen.getByTestId("name-check").textContent).toContain("“edge” is free on the host."));
    expect(errors.textContent).toBe("");

    // The host has the last word when Next is pressed.
    mocked.previewCluster.mockResolvedValueOnce({ ...PREVIEW, problems: [problem("name", "taken")] });
    await user.click(next());
    await waitFor(() => expect(errors.textContent).toBe("The host already has a cluster of this name."));
    expect(screen.getByRole("heading", { level: 4, name: "Basic information" })).toBeTruthy();
    expect(screen.getByTestId("step-problems-basic")).toBeTruthy();
  });

  it("counts the description's characters and flags the limit at once", async () => {
    const user = userEvent.setup();
    mocked.clusterFormOptions.mockResolvedValue({ ...OPTIONS, descriptionMax: 10 });
    render(<Harness />);
    const description = await screen.findByLabelText("Description");
    await user.type(description, "twelve chars");
    expect(screen.getByTestId("description-counter").textContent).toBe("12 / 10 characters");
    expect(document.getElementById("cluster-description-errors")!.textContent).toBe("At most 10 characters.");
    await user.click(next());
    expect(mocked.previewCluster).not.toHaveBeenCalled();
  });

  it("adds tags from the host's or typed as key=value, refusing incomplete and repeated keys", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(await screen.findByRole("button", { name: "env=prod" }));
    const input = screen.getByLabelText("New tag");
    await user.type(input, "zone{Enter}");
    const tagErrors = document.getElementById("cluster-tag-input-errors")!;
    expect(tagErrors.textContent).toBe("Write each tag as key=value, with both parts filled in.");
    await user.clear(input);
    await user.type(input, "env=dev{Enter}");
    expect(tagErrors.textContent).toBe("Two tags have the same key: a cluster takes one value per key.");
    await user.clear(input);
    await user.type(input, "zone = eu{Enter}");
    const chips = within(screen.getByTestId("chosen-tags")).getAllByRole("listitem");
    expect(chips.map((chip) => chip.dataset.tag)).toEqual(["env=prod", "zone=eu"]);
    expect(chips[1]!.textContent).toContain("new");
    await user.click(screen.getByRole("button", { name: "Remove tag env=prod" }));
    expect(within(screen.getByTestId("chosen-tags")).getAllByRole("listitem")).toHaveLength(1);
  });

  it("words every problem in Chinese too", async () => {
    const user = userEvent.setup();
    await i18n.changeLanguage("zh-CN");
    mocked.checkClusterName.mockResolvedValue([problem("name", "pattern")]);
    render(<Harness />);
    await user.type(await screen.findByLabelText(/^名称/), "Bad_Name");
    const errors = document.getElementById("cluster-name-errors")!;
    await waitFor(() => expect(errors.textContent).toBe("只能使用小写字母、数字和“-”，并以字母或数字开头和结尾。"));

    await user.clear(nameField());
    mocked.previewCluster.mockResolvedValueOnce({ ...PREVIEW, problems: [problem("name", "required"), problem("alias", "tooLong", { limit: 63 })] });
    await user.click(screen.getByRole("button", { name: "下一步" }));
    await waitFor(() => expect(errors.textContent).toBe("请输入集群名称。"));
    expect(document.getElementById("cluster-alias-errors")!.textContent).toBe("最多 63 个字符。");
    expect(screen.getByRole("heading", { level: 4, name: "基本信息" })).toBeTruthy();
  });

  it("shows a YAML problem of the Cluster Configuration with its line", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.type(await screen.findByLabelText(/^Name/), "edge");
    await user.click(screen.getByRole("button", { name: /Cluster configuration/ }));
    const editor = screen.getByLabelText("Cluster configuration (YAML)") as HTMLTextAreaElement;
    expect(editor.value).toBe(DEFAULT_CONFIG);
    expect(screen.getByText(/global\.imageRegistry to your mirror/)).toBeTruthy();
    await user.type(editor, "  bad: [[");
    mocked.previewCluster.mockResolvedValueOnce({ ...PREVIEW, problems: [problem("config", "invalidYaml", { line: 3 })] });
    await user.click(next());
    await waitFor(() => expect(document.getElementById("cluster-config-errors")!.textContent).toBe("This is not valid YAML (line 3)."));
    await user.click(screen.getByRole("button", { name: "Go to line 3" }));
    expect(document.activeElement).toBe(editor);
    expect(editor.value.slice(editor.selectionStart, editor.selectionEnd)).toBe("  bad: [");
    expect(screen.getByRole("heading", { level: 4, name: "Cluster configuration" })).toBeTruthy();
  });
});

describe("Add cluster: input is kept", () => {
  it("between wizard steps and when the page is left and shown again", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.type(await screen.findByLabelText(/^Name/), "edge");
    await user.type(screen.getByLabelText("Alias"), "边缘");
    await user.click(screen.getByRole("button", { name: "env=prod" }));
    await user.type(screen.getByLabelText("Provider"), "Amazon EKS");
    await user.type(screen.getByLabelText("Description"), "the edge site");
    await user.click(next());
    await screen.findByRole("heading", { level: 4, name: "Advanced settings" });
    expect(mocked.previewCluster).toHaveBeenCalledWith("prod-host", {
      name: "edge",
      alias: "边缘",
      tags: [{ key: "env", value: "prod" }],
      provider: "Amazon EKS",
      description: "the edge site",
      group: null,
      config: DEFAULT_CONFIG,
    });
    await user.selectOptions(screen.getByLabelText("Usage"), "testing");
    await user.click(next());
    expect(screen.getByTestId("connection-settings").textContent).toContain("Agent connection (proxy, through tower)");
    await user.click(screen.getByTestId("wizard-back"));
    expect((screen.getByLabelText("Usage") as HTMLSelectElement).value).toBe("testing");
    await user.click(screen.getByTestId("wizard-back"));
    expect(nameField().value).toBe("edge");
    expect((screen.getByLabelText("Alias") as HTMLInputElement).value).toBe("边缘");

    await user.click(screen.getByRole("button", { name: "Cluster configuration" }));
    const editor = screen.getByLabelText("Cluster configuration (YAML)");
    await user.clear(editor);
    await user.type(editor, "global:{Enter}  imageRegistry: mirror.local:5000");

    await user.click(screen.getByRole("button", { name: "toggle page" }));
    expect(screen.queryByTestId("add-cluster")).toBeNull();
    await user.click(screen.getByRole("button", { name: "toggle page" }));
    // Back on the step it was left on, with everything typed.
    expect(((await screen.findByLabelText("Cluster configuration (YAML)")) as HTMLTextAreaElement).value).toBe("global:\n  imageRegistry: mirror.local:5000");
    await user.click(screen.getByRole("button", { name: /Basic information/ }));
    expect(nameField().value).toBe("edge");
    expect((screen.getByLabelText("Description") as HTMLTextAreaElement).value).toBe("the edge site");
    expect(within(screen.getByTestId("chosen-tags")).getByText("env=prod")).toBeTruthy();
  });

  it("when the user goes to another stage of the app and comes back", async () => {
    const user = userEvent.setup();
    mocked.appStatus.mockResolvedValue({
      version: "9.9.9",
      target: { type: "kubeconfigs", paths: [] },
      hostContext: "prod-host",
      memberContext: "edge-member",
    });
    mocked.kubeconfigSummary.mockResolvedValue({ currentContext: "prod-host", contexts: [] });
    mocked.joinRecords.mockResolvedValue([]);
    render(<App />);
    await screen.findByTestId("status-host");
    const nav = within(screen.getByRole("navigation"));
    await user.click(nav.getByRole("button", { name: /Add cluster/ }));
    await user.type(await screen.findByLabelText(/^Name/), "edge");
    await user.click(nav.getByRole("button", { name: /Join/ }));
    expect(await screen.findByTestId("join-empty")).toBeTruthy();
    await user.click(nav.getByRole("button", { name: /Add cluster/ }));
    expect(((await screen.findByLabelText(/^Name/)) as HTMLInputElement).value).toBe("edge");
  });
});

describe("Add cluster: create", () => {
  const toReview = async (user: ReturnType<typeof userEvent.setup>) => {
    await user.type(await screen.findByLabelText(/^Name/), "edge");
    await user.click(screen.getByRole("button", { name: "Review" }));
    return screen.findByTestId("review");
  };

  it("previews the object, runs the server dry run, then creates, and leads to Join", async () => {
    const user = userEvent.setup();
    const onNavigate = vi.fn();
    const outcome = { name: "edge", dryRunPassed: true, created: false, yaml: PREVIEW.yaml, createdTags: [] as string[] };
    let passDryRun: () => void = () => {};
    mocked.addCluster.mockImplementation((_h, _m, _f, dryRun) =>
      dryRun ? new Promise((resolve) => (passDryRun = () => resolve(outcome))) : Promise.resolve({ ...outcome, created: true, createdTags: ["zone=eu"] }),
    );
    render(<Harness onNavigate={onNavigate} />);
    const review = await toReview(user);
    const rows = within(within(review).getByTestId("review-placements")).getAllByRole("row");
    expect(rows[1]!.textContent).toBe("Namemetadata.nameedge");
    expect(rows[2]!.textContent).toContain('metadata.labels["label.cluster.kubesphere.io/l8kq2x"]');
    expect(within(review).getByTestId("review-new-tags").textContent).toContain("zone=eu");
    expect(within(review).getByTestId("review-yaml").textContent).toContain("kind: Cluster");

    await user.click(within(review).getByTestId("wizard-create"));
    expect(mocked.addCluster).toHaveBeenCalledTimes(1);
    expect(mocked.addCluster).toHaveBeenLastCalledWith("prod-host", "edge-member", expect.objectContaining({ name: "edge" }), true);
    expect(within(review).getByTestId("wizard-create").getAttribute("aria-busy")).toBe("true");
    passDryRun();
    const done = await screen.findByTestId("add-done");
    expect(mocked.addCluster).toHaveBeenCalledTimes(2);
    expect(mocked.addCluster).toHaveBeenLastCalledWith("prod-host", "edge-member", expect.objectContaining({ name: "edge" }), false);
    expect(done.textContent).toContain("Server dry run passed");
    expect(done.textContent).toContain("“edge” is added to the host");
    expect(done.textContent).toContain("Tags created: zone=eu");
    expect(screen.getByTestId("current-cluster").textContent).toBe("prod-host/edge");

    await user.click(screen.getByTestId("go-to-join"));
    expect(onNavigate).toHaveBeenCalledWith("join");
    await user.click(screen.getByTestId("add-another"));
    expect(nameField().value).toBe("");
  });

  it("creates nothing when the dry run fails, and says why", async () => {
    const user = userEvent.setup();
    mocked.addCluster.mockRejectedValue({ kind: "invalidInput", message: "clusters.cluster.kubesphere.io \"edge\" already exists", hint: "choose another name" });
    render(<Harness />);
    const review = await toReview(user);
    await user.click(within(review).getByTestId("wizard-create"));
    const alert = await within(review).findByRole("alert");
    expect(alert.textContent).toContain("The server dry run failed: nothing was created");
    expect(alert.textContent).toContain("already exists");
    expect(alert.textContent).toContain("choose another name");
    expect(mocked.addCluster).toHaveBeenCalledTimes(1);
    expect(mocked.addCluster).toHaveBeenCalledWith("prod-host", "edge-member", expect.anything(), true);
  });

  it("lists the preview's problems with a way to each field, and will not create", async () => {
    const user = userEvent.setup();
    mocked.previewCluster.mockResolvedValue({ ...PREVIEW, problems: [problem("tags", "tooManyTags", { limit: 5 })] });
    render(<Harness />);
    const review = await toReview(user);
    const problems = await within(review).findByTestId("review-problems");
    expect(problems.textContent).toContain("Tags: At most 5 tags.");
    expect((within(review).getByTestId("wizard-create") as HTMLButtonElement).disabled).toBe(true);
    await user.click(within(problems).getByRole("button", { name: "Fix in Basic information" }));
    expect(screen.getByRole("heading", { level: 4, name: "Basic information" })).toBeTruthy();
    expect(document.getElementById("cluster-tag-input-errors")!.textContent).toBe("At most 5 tags.");
  });

  it("says so when no member is chosen, and links to Kubeconfigs", async () => {
    const user = userEvent.setup();
    const onNavigate = vi.fn();
    render(
      <FlowProvider>
        <AddClusterPage host="prod-host" member={null} onNavigate={onNavigate} />
      </FlowProvider>,
    );
    const notice = screen.getByTestId("member-missing");
    expect(notice.textContent).toContain("No member context is chosen.");
    await user.click(within(notice).getByRole("button", { name: "Go to Kubeconfigs" }));
    expect(onNavigate).toHaveBeenCalledWith("kubeconfigs");
  });
});
