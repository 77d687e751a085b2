import { describe, expect, it, vi, beforeEach } from "vitest";
import { useState } from "react";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import AirGapPanel from "./AirGapPanel";
import { BundleExport, ImageCheck, MirrorFacts } from "./JoinAirGap";
import { commands, type ManifestView_Serialize as ManifestView } from "../backend/bindings";

vi.mock("../backend/bindings", async (importOriginal) => {
  const real = await importOriginal<typeof import("../backend/bindings")>();
  return {
    ...real,
    commands: {
      checkPublicPull: vi.fn(),
      checkAgentImage: vi.fn(),
      mirrorConfig: vi.fn(),
      saveRegistryLogin: vi.fn(),
      registryLogin: vi.fn(),
      exportJoinBundle: vi.fn(),
      setAgentImage: vi.fn(),
    },
  };
});
const mocked = vi.mocked(commands);

const DEFAULT_CONFIG = "global:\n  imageRegistry: docker.io\n";
const MIRRORED = "# Images for this member come from the mirror registry auth-mirror.local:5000 (air-gapped).\nglobal:\n  imageRegistry: auth-mirror.local:5000\n  imagePullSecrets:\n  - name: mirror-pull\n";

/** The panel with the Cluster Configuration it edits, shown beside it. */
function Harness() {
  const [config, setConfig] = useState(DEFAULT_CONFIG);
  return (
    <>
      <AirGapPanel host="sandbox-host" member="sandbox-member" config={config} onConfig={setConfig} />
      <pre data-testid="config">{config}</pre>
    </>
  );
}

beforeEach(async () => {
  vi.resetAllMocks();
  await i18n.changeLanguage("en");
  mocked.registryLogin.mockResolvedValue(null);
});

describe("Air-gapped member (Cluster Configuration step)", () => {
  it("detects a member that cannot reach docker.io and opens the mirror fields", async () => {
    mocked.checkPublicPull.mockResolvedValue({
      image: "kubesphere/tower:v0.2.1",
      pulled: false,
      detail: "ImagePullBackOff: Failed to pull image: dial tcp: lookup registry-1.docker.io: no such host",
    });
    const user = userEvent.setup();
    render(<Harness />);
    expect(screen.queryByLabelText("Mirror registry")).toBeNull();
    await user.click(screen.getByTestId("check-public-pull"));
    const result = await screen.findByTestId("public-pull-result");
    expect(result.dataset.pulled).toBe("false");
    expect(result.textContent).toContain("no such host");
    expect(result.textContent).toContain("looks air-gapped");
    expect(mocked.checkPublicPull).toHaveBeenCalledWith("sandbox-member");
    expect(screen.getByLabelText("Mirror registry")).toBeTruthy();
  });

  it("saves the login through Rust, clears the password and writes the mirror into the configuration", async () => {
    mocked.saveRegistryLogin.mockResolvedValue(null);
    mocked.mirrorConfig.mockResolvedValue(MIRRORED);
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByTestId("use-mirror"));
    await user.type(screen.getByLabelText("Mirror registry"), "auth-mirror.local:5000");
    await user.type(screen.getByLabelText("Pull secret (optional)"), "mirror-pull");
    await user.type(screen.getByLabelText("User name"), "sandbox");
    await user.type(screen.getByLabelText("Password"), "mirror-pass");
    await user.click(screen.getByTestId("apply-mirror"));
    await screen.findByTestId("mirror-applied");
    expect(mocked.saveRegistryLogin).toHaveBeenCalledWith("auth-mirror.local:5000", "sandbox", "mirror-pass");
    expect(mocked.mirrorConfig).toHaveBeenCalledWith(DEFAULT_CONFIG, "auth-mirror.local:5000", "mirror-pull");
    expect(screen.getByTestId("config").textContent).toBe(MIRRORED);
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("saved-login").textContent).toContain("sandbox");
  });

  it("offers KubeSphere's own fix: the agent image on the host, dry run first, then written", async () => {
    mocked.mirrorConfig.mockResolvedValue(MIRRORED);
    const outcome = {
      place: "towerSecret" as const,
      description: "Secret kubesphere-system/tower, configuration.yaml → agentImage",
      image: "auth-mirror.local:5000/kubesphere/tower:v0.2.1",
      previous: "kubesphere/tower:v0.2.1",
      unchanged: false,
      dryRunPassed: true,
      written: false,
    };
    mocked.setAgentImage.mockResolvedValueOnce(outcome).mockResolvedValueOnce({ ...outcome, written: true });
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByTestId("use-mirror"));
    await user.type(screen.getByLabelText("Mirror registry"), "auth-mirror.local:5000");
    await user.click(screen.getByTestId("apply-mirror"));
    await user.click(await screen.findByText("Or set the agent image on the host…"));
    await user.click(screen.getByTestId("check-host-agent-image"));
    const preview = await screen.findByTestId("host-agent-image-preview");
    expect(mocked.setAgentImage).toHaveBeenLastCalledWith("sandbox-host", "auth-mirror.local:5000/kubesphere/tower:v0.2.1", true);
    expect(preview.textContent).toContain("now kubesphere/tower:v0.2.1");
    await user.click(screen.getByTestId("write-host-agent-image"));
    await screen.findByTestId("host-agent-image-written");
    expect(mocked.setAgentImage).toHaveBeenLastCalledWith("sandbox-host", "auth-mirror.local:5000/kubesphere/tower:v0.2.1", false);
  });

  it("shows Rust's refusal of a registry and leaves the configuration alone", async () => {
    mocked.mirrorConfig.mockRejectedValue({ kind: "invalidInput", message: '"http://mirror" is not a registry address', hint: "write it as host[:port][/path]" });
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByTestId("use-mirror"));
    await user.type(screen.getByLabelText("Mirror registry"), "http://mirror");
    await user.click(screen.getByTestId("apply-mirror"));
    expect(await screen.findByText(/is not a registry address/)).toBeTruthy();
    expect(screen.getByTestId("config").textContent).toBe(DEFAULT_CONFIG);
    expect(mocked.saveRegistryLogin).not.toHaveBeenCalled();
  });
});

const VIEW: ManifestView = {
  cluster: "member",
  source: "towerExtension",
  note: null,
  yaml: "",
  objects: [],
  proxyServer: "http://139.198.120.120:8080",
  images: ["auth-mirror.local:5000/kubesphere/tower:v0.2.1"],
  mirror: { registry: "auth-mirror.local:5000", pullSecrets: ["mirror-pull"] },
  neededImages: [
    { source: "docker.io/kubesphere/tower:v0.2.1", mirror: "auth-mirror.local:5000/kubesphere/tower:v0.2.1", usedBy: "agent" },
    { source: "docker.io/kubesphere/ks-apiserver:v4.1.3", mirror: "auth-mirror.local:5000/kubesphere/ks-apiserver:v4.1.3", usedBy: "ks-core" },
  ],
  pullSecret: "mirror-pull",
};

describe("Join page, air-gapped", () => {
  it("names the mirror, the pull secret from the keyring and every image to mirror", () => {
    render(<MirrorFacts view={VIEW} />);
    expect(screen.getByTestId("mirror-registry").textContent).toContain("auth-mirror.local:5000");
    expect(screen.getByTestId("mirror-registry").textContent).toContain("pull secret mirror-pull is created");
    const rows = screen.getByTestId("needed-images").querySelectorAll("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[1]?.textContent).toContain("docker.io/kubesphere/ks-apiserver:v4.1.3");
  });

  it("reports an image that cannot be pulled and asks the page to hold the apply", async () => {
    mocked.checkAgentImage.mockResolvedValue({ image: "auth-mirror.local:5000/kubesphere/tower:v0.2.1", pulled: false, detail: "ErrImagePull: 401 Unauthorized" });
    const onResult = vi.fn();
    const user = userEvent.setup();
    render(<ImageCheck host="host" member="member" cluster="member" disabled={false} onResult={onResult} />);
    await user.click(screen.getByTestId("check-image"));
    const result = await screen.findByTestId("image-result");
    expect(result.textContent).toContain("401 Unauthorized");
    expect(onResult).toHaveBeenCalledWith(true);
    mocked.checkAgentImage.mockResolvedValue({ image: "auth-mirror.local:5000/kubesphere/tower:v0.2.1", pulled: true, detail: "pulled" });
    await user.click(screen.getByTestId("check-image"));
    await waitFor(() => expect(screen.getByTestId("image-result").dataset.pulled).toBe("true"));
    expect(onResult).toHaveBeenLastCalledWith(false);
  });

  it("has Rust write the bundle, with the token only when asked, and lists the files", async () => {
    mocked.exportJoinBundle.mockResolvedValue({
      cluster: "member",
      dir: "/tmp/bundle",
      tokenIncluded: true,
      files: [{ name: "agent.yaml", sha256: "ab".repeat(32), bytes: 100, ownerOnly: true }],
      images: VIEW.neededImages,
    });
    const user = userEvent.setup();
    render(<BundleExport host="host" cluster="member" />);
    await user.click(screen.getByText("Offline bundle"));
    await user.type(screen.getByLabelText("Folder (absolute path; new or empty)"), "/tmp/bundle");
    await user.click(screen.getByTestId("bundle-include-token"));
    await user.click(screen.getByTestId("write-bundle"));
    const written = await screen.findByTestId("bundle-written");
    expect(mocked.exportJoinBundle).toHaveBeenCalledWith("host", "member", "/tmp/bundle", true);
    expect(written.textContent).toContain("agent.yaml");
    expect(written.textContent).toContain("keep the folder private");
  });
});
