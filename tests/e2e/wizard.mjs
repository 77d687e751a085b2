// The Add cluster wizard as a test walks it.

const STEPS = ["basic", "advanced", "connection", "config", "review"];

/** Clicks Next until the step `until` (Review by default), each time waiting for the step to
 * change: Next is disabled while the server checks the step, so a quick second click would
 * be lost. */
export async function walkWizardToReview(browser, until = "review") {
  const current = async () => (await (await browser.$('ol.wizard-steps button[aria-current="step"]')).getAttribute("data-step"));
  while ((await current()) !== until) {
    const next = STEPS[STEPS.indexOf(await current()) + 1];
    const button = await browser.$('[data-testid="wizard-next"]');
    await button.waitForEnabled({ timeout: 15_000 });
    await button.click();
    await browser.waitUntil(async () => (await current()) === next, { timeout: 15_000, timeoutMsg: `the wizard did not reach ${next}` });
  }
}
