// The Host page's checks as a test reads them: each row's check id and verdict.

/** `{ checkId: verdict }` for every row on the page. */
export async function verdicts(browser) {
  const found = {};
  for (const row of await browser.$$("li[data-check]")) {
    found[await row.getAttribute("data-check")] = await row.getAttribute("data-verdict");
  }
  return found;
}

/** Runs the checks and waits until every one of the nine has its verdict. */
export async function runChecks(browser) {
  await (await browser.$('[data-testid="stage-host"] section.host-checks header button')).click();
  await browser.waitUntil(
    async () => {
      const found = await verdicts(browser);
      return Object.keys(found).length === 9 && !Object.values(found).includes("pending");
    },
    { timeout: 30_000, timeoutMsg: "the host checks did not all finish" },
  );
  return verdicts(browser);
}
