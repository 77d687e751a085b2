// Saves a screenshot of every stage, in English and Simplified Chinese, to docs/screenshots/.
// Run under xvfb-run after `tauri build` (scripts/screenshots.sh does both).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { openApp, textOf } from "./session.mjs";

const out = resolve(import.meta.dirname, "../../docs/screenshots");
mkdirSync(out, { recursive: true });
const STAGES = ["kubeconfigs", "host", "proxy-address", "add-cluster", "join", "clusters"];

const { browser, close } = await openApp({ args: ["--kubeconfig", "/home/ada/.kube/config"] });
try {
  await browser.execute(() => {
    localStorage.clear();
    location.reload();
  });
  for (const language of ["en", "zh-CN"]) {
    await (await browser.$('[data-testid="language"]')).selectByAttribute("value", language);
    for (const [index, stage] of STAGES.entries()) {
      await (await browser.$(`nav [data-stage="${stage}"]`)).click();
      await textOf(browser, `[data-testid="stage-${stage}"]`);
      const file = join(out, `${language}-${index + 1}-${stage}.png`);
      await browser.saveScreenshot(file);
      console.log(`saved ${file}`);
    }
  }
} finally {
  await close();
}
