// A sandbox started by `ks-onboard-cli sandbox up` (outside the app, so it outlives an app
// restart), and plain kubectl as the independent client that reads both clusters.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

const targetDir = process.env.CARGO_TARGET_DIR ?? "/var/cache/ks-onboard/target";
export const CLI = join(targetDir, "debug", "ks-onboard-cli");

/** A plain kubectl build beside the real file of the `kubectl` on PATH (DESIGN.md). */
function plainKubectl() {
  const onPath = execFileSync("sh", ["-c", "command -v kubectl"]).toString().trim();
  const dir = dirname(realpathSync(onPath));
  for (const version of ["1.32", "1.33", "1.31", "1.30"]) {
    const candidate = join(dir, `kubectl.${version}`);
    if (existsSync(candidate)) return candidate;
  }
  return onPath;
}
export const KUBECTL = plainKubectl();

export function kubectl(kubeconfig, ...args) {
  return execFileSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" });
}

/** kubectl with `input` on its stdin (`replace -f -`, …). */
export function kubectlInput(kubeconfig, input, ...args) {
  return execFileSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", input });
}

/** Starts `sandbox up` with `scenario` and resolves once it prints its `ready` line. */
export async function startSandbox(dir, scenario = "healthy") {
  const child = spawn(CLI, ["sandbox", "up", "--dir", dir, "--scenario", scenario], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      if (/^ready /m.test(seen)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`sandbox up exited ${code}: ${seen}`)));
  });
  return child;
}
