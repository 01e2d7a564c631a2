// Opens a Plumb HTML report in headless Chromium and checks that it works:
// no console or page error, no request beyond the file itself, the finding
// rows all visible once expanded, each filter step leaving exactly the
// expected number of visible rows, and a control's link to a resource
// revealing that resource's row. Prints one JSON result and exits
// non-zero on any failure.
//
//   node tests/browser/html-report.mjs --report FILE --screenshot PNG \
//     [--step f-st=fail:600 ...] [--full-page]
//
// A step selects a value in a filter control (by id: f-st, f-sev, f-svc)
// and expects that many visible rows; steps apply in order, each on top of
// the previous. Run by crates/plumb-report/tests/html_browser.rs; scripts/setup
// installs Chromium and playwright-core.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.PLUMB_CHROMIUM || "/usr/bin/chromium";
// Without the background-networking flags Chromium reaches for the
// network at start, which is closed where the tests run.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function parse(argv) {
  const options = { steps: [], fullPage: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--report") options.report = argv[++i];
    else if (arg === "--screenshot") options.screenshot = argv[++i];
    else if (arg === "--full-page") options.fullPage = true;
    else if (arg === "--step") {
      const match = /^([\w-]+)=([^:]*):(\d+)$/.exec(argv[++i] || "");
      if (!match) throw new Error(`--step wants CONTROL=VALUE:ROWS, not ${argv[i]}`);
      options.steps.push({ control: match[1], value: match[2], expect: Number(match[3]) });
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.report || !options.screenshot) {
    throw new Error("usage: html-report.mjs --report FILE --screenshot PNG [--step CONTROL=VALUE:ROWS ...]");
  }
  return options;
}

// Rows a person would see: not filtered out, inside opened groups.
const visibleRows = (page) =>
  page.evaluate(
    () => Array.from(document.querySelectorAll("tr[data-st]")).filter((r) => r.checkVisibility()).length,
  );

async function main() {
  const options = parse(process.argv.slice(2));
  const result = {
    report: options.report,
    screenshot: options.screenshot,
    consoleErrors: [],
    pageErrors: [],
    requests: [],
    steps: [],
    failures: [],
  };
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") result.consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => result.pageErrors.push(String(e)));
    page.on("dialog", (d) => {
      result.failures.push(`a dialog opened: ${d.message()}`);
      d.dismiss();
    });
    const url = pathToFileURL(resolve(options.report)).href;
    page.on("request", (r) => {
      if (r.url() !== url && !r.url().startsWith("data:")) result.requests.push(r.url());
    });
    const started = Date.now();
    await page.goto(url, { waitUntil: "load", timeout: 180_000 });
    result.loadMs = Date.now() - started;
    await page.locator("#filters").waitFor({ state: "visible" });
    result.groups = await page.locator("details.check").count();
    result.rows = await page.locator("tr[data-st]").count();
    result.visibleCollapsed = await visibleRows(page);
    await page.screenshot({ path: options.screenshot, fullPage: options.fullPage });

    await page.click("#f-open");
    result.visibleExpanded = await visibleRows(page);
    if (result.visibleExpanded !== result.rows) {
      result.failures.push(`expanded: ${result.visibleExpanded} of ${result.rows} rows visible`);
    }
    for (const step of options.steps) {
      await page.selectOption(`#${step.control}`, step.value);
      // Groups that the filter emptied are hidden; open the others again.
      await page.click("#f-open");
      const visible = await visibleRows(page);
      const counter = await page.locator("#f-count").textContent();
      result.steps.push({ ...step, visible, counter });
      if (visible !== step.expect) {
        result.failures.push(`${step.control}=${step.value}: ${visible} rows visible, expected ${step.expect}`);
      }
    }
    if (options.steps.length > 0) {
      await page.click("#f-reset");
      result.visibleAfterReset = await visibleRows(page);
      if (result.visibleAfterReset !== result.rows) {
        result.failures.push(`reset: ${result.visibleAfterReset} of ${result.rows} rows visible`);
      }
    }
    // A control's link to a resource that does not pass opens its group,
    // even when collapsed and filtered out.
    const link = await page.evaluate(() => {
      const a = document.querySelector('ul.resources a[href^="#f"]');
      return a && a.getAttribute("href");
    });
    if (link) {
      await page.click("#f-close");
      await page.selectOption("#f-st", "pass");
      await page.evaluate((hash) => { location.hash = hash; }, link);
      await page.waitForFunction((id) => document.getElementById(id).checkVisibility(), link.slice(1), {
        timeout: 60_000,
      });
      result.link = { href: link, status: await page.inputValue("#f-st") };
      if (result.link.status !== "") result.failures.push(`following ${link} left the filter on`);
    }
  } finally {
    await browser.close();
  }
  if (result.consoleErrors.length) result.failures.push("console errors");
  if (result.pageErrors.length) result.failures.push("page errors");
  if (result.requests.length) result.failures.push("requests beyond the report file");
  console.log(JSON.stringify(result, null, 2));
  process.exit(result.failures.length ? 1 : 0);
}

main().catch((e) => {
  console.log(JSON.stringify({ failures: [String(e && e.stack ? e.stack : e)] }, null, 2));
  process.exit(2);
});
