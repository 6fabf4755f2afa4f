import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  uniqueCompany,
} from "./harness";

/** Debian's Chromium (`.ci/run` installs it); no browser is downloaded. */
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
/** `UPDATE_SCREENSHOT=1` refreshes the README's picture; otherwise it goes to the scratch folder. */
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT === "1"
    ? fileURLToPath(new URL("../../../docs/web-view.png", import.meta.url))
    : join(tmpdir(), `coreflux-web-view-${process.pid}.png`);
const TOKEN = "browser-test-token-0123456789";

const company = uniqueCompany("View");
const dir = scratchDir();
/** The fleet's clock starts now, so its readings fall in today's periods (the charts). */
const fleetOptions: FleetOptions = {
  seed: 21,
  company,
  offices: 2,
  roomsPerOffice: 2,
  devicesPerRoom: 3,
  startMs: Date.now(),
};
let observer: Observer;
let aggregator: AggregatorProcess;
let guarded: AggregatorProcess;
let url: string;
let guardedUrl: string;
let browser: Browser;
let page: Page;
const stop = new AbortController();
let simulator: ReturnType<typeof runSimulator>;

function config(name: string, http: string): string {
  const fleet = createFleet(fleetOptions);
  const devices = fleet
    .placements()
    .map((p) => `[[devices]]\nmatch = "${p.match}"\npath = "${p.path}"\n`)
    .join("");
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[company]\ntopic = "${company}/#"\n[mqtt]\nurl = "${BROKER_URL}"\nclient_id = "${name}-${company}"\n[publish]\ninterval_seconds = 0.5\n[state]\npath = "${join(dir, `${name}.json`)}"\n[accounting]\ntime_zone = "Europe/Lisbon"\n[history]\nurl = "sqlite:${join(dir, `${name}.db`)}"\nperiod_minutes = 1\nkeep_fine_days = 36500\n[log]\nformat = "json"\n${http}\n${devices}`,
  );
  return path;
}

async function listening(p: AggregatorProcess): Promise<string> {
  await p.ready();
  return String((await p.waitForLog((l) => String(l.msg).startsWith("HTTP listener"))).url);
}

beforeAll(async () => {
  observer = await Observer.connect(company);
  aggregator = new AggregatorProcess(["--config", config("view", "[http]\nport = 0\n")]);
  url = await listening(aggregator);
  guarded = new AggregatorProcess([
    "--config",
    config("guarded", `[http]\nport = 0\ntoken = "${TOKEN}"\n`),
  ]);
  guardedUrl = await listening(guarded);
  // A live fleet at its own pace (readings by arrival time: the charts are in the last minutes).
  simulator = runSimulator({
    ...fleetOptions,
    url: BROKER_URL,
    speed: 30,
    qos: 1,
    signal: stop.signal,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  stop.abort();
  await simulator?.catch(() => undefined);
  await aggregator?.stop();
  await guarded?.stop();
  await clearRetained(observer);
  await observer.close();
});

interface ApiNode {
  path: string;
  name: string;
  level: string;
  energyWh: number;
  energyTodayWh: number;
  powerW: number;
  children: ApiNode[];
}

describe("the web view in a real browser (Chromium, built CLI, real Mosquitto, the simulator)", () => {
  it("shows the simulator's offices with the numbers of /api/nodes and the retained MQTT totals", async () => {
    await page.goto(`${url}/`);
    await page.getByTestId("tree").waitFor();
    const api = (await (await fetch(`${url}/api/nodes`)).json()) as { root: ApiNode };
    for (const office of api.root.children) {
      await expect.poll(() => page.getByTestId(`row-${office.path}`).isVisible()).toBe(true);
    }
    // Exact values are in the title (hover): the company's today equals the API and MQTT.
    const exactToday = async () => page.getByTestId("today-").getAttribute("title");
    await expect
      .poll(
        async () => {
          const [nodes, title] = [
            (await (await fetch(`${url}/api/nodes`)).json()) as { root: ApiNode },
            await exactToday(),
          ];
          return title?.includes(String(nodes.root.energyTodayWh));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const retained = observer.latest.get(`${company}/CompanyEnergyConsumed`);
    expect(retained).toBeDefined();
  });

  it("changes a number through the event stream, without a reload", async () => {
    const before = await page.getByTestId("today-").getAttribute("title");
    let navigated = false;
    page.once("framenavigated", () => {
      navigated = true;
    });
    await expect
      .poll(() => page.getByTestId("today-").getAttribute("title"), { timeout: 15_000 })
      .not.toBe(before);
    expect(navigated).toBe(false);
    // The README's picture: the company live, its charts (selected at first) drawn.
    await expect
      .poll(() => page.getByTestId("chart-last-24h").locator("canvas").count(), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
  });

  it("a click on a room draws its charts, whose total is the room's energy to the mWh", async () => {
    // Quiet first: the fleet stops, the last readings are applied, published and in the history.
    stop.abort();
    await simulator;
    const api = (await (await fetch(`${url}/api/nodes`)).json()) as { root: ApiNode };
    const room = api.root.children[0]!.children[0]!;
    const year = new Date().getUTCFullYear();
    const inHistory = async () => {
      const r = await fetch(
        `${url}/api/history?path=${encodeURIComponent(`${room.path}/*`)}&from=${year}-01-01T00:00:00Z&to=${year + 1}-01-01T00:00:00Z&by=period`,
      );
      const rows = ((await r.json()) as { rows: { energyWh: number }[] }).rows;
      return Math.round(rows.reduce((n, x) => n + x.energyWh, 0) * 1000);
    };
    const roomNow = async () => {
      const nodes = (await (await fetch(`${url}/api/nodes`)).json()) as { root: ApiNode };
      const r = nodes.root.children[0]!.children.find((c) => c.path === room.path)!;
      return Math.round(r.energyWh * 1000);
    };
    await expect
      .poll(async () => (await inHistory()) === (await roomNow()), { timeout: 15_000 })
      .toBe(true);
    const energyWh = (await roomNow()) / 1000;
    // Quiet, the page's source (/api/nodes) and the retained MQTT totals say the same.
    await expect
      .poll(
        async () => {
          const nodes = (await (await fetch(`${url}/api/nodes`)).json()) as { root: ApiNode };
          return (
            observer.latest.get(`${company}/CompanyEnergyConsumed`)?.TotalEnergy ===
            nodes.root.energyWh
          );
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(energyWh).toBeGreaterThan(0);

    await page.reload();
    await page
      .getByTestId(`row-${room.path}`)
      .getByRole("button", { name: room.name, exact: true })
      .click();
    const thisYear = page.getByTestId("chart-this-year");
    await expect
      .poll(() => thisYear.locator("canvas").count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => thisYear.locator(".chart-total").getAttribute("title"), { timeout: 10_000 })
      .toBe(`${energyWh} Wh`);
    await expect
      .poll(() => page.getByTestId("chart-last-24h").locator("canvas").count(), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
  });

  it("the keyboard reaches every control", async () => {
    await page.goto(`${url}/`);
    await page.getByTestId("tree").waitFor();
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const tag = await page.evaluate(
        // Runs in the page: `document` is the browser's.
        `(() => { const el = document.activeElement; return el ? el.tagName.toLowerCase() + ":" + (el.getAttribute("data-testid") ?? el.getAttribute("aria-label") ?? (el.textContent ?? "").trim().slice(0, 20)) : ""; })()`,
      );
      reached.add(String(tag));
    }
    expect([...reached].some((t) => t.startsWith("input:filter"))).toBe(true);
    expect([...reached].filter((t) => t.startsWith("button:")).length).toBeGreaterThan(3);
  });

  it("a token-protected listener refuses the page and the API without the token, and lets a signed-in browser in", async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${guardedUrl}/`);
    expect(fresh.url()).toBe(`${guardedUrl}/login`);
    expect((await fresh.request.get(`${guardedUrl}/api/nodes`)).status()).toBe(401);
    await fresh.getByLabel(/token/i).fill(TOKEN);
    await fresh.getByRole("button", { name: /sign in/i }).click();
    await fresh.getByTestId("tree").waitFor();
    await fresh.close();
  });
});
