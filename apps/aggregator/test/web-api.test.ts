import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  uniqueCompany,
} from "./harness";

const TOKEN = "a-long-enough-view-token-1234";
const company = uniqueCompany("Web");
const dir = scratchDir();
let observer: Observer;
let open: AggregatorProcess;
let guarded: AggregatorProcess;
let openUrl: string;
let guardedUrl: string;

/** A config file of one aggregator of this test (its own client id and state). */
function config(name: string, extra: string): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(
    path,
    `[company]\ntopic = "${company}/#"\n[mqtt]\nurl = "${BROKER_URL}"\nclient_id = "${name}-${company}"\n[publish]\ninterval_seconds = 0.2\n[state]\npath = "${join(dir, `${name}.json`)}"\n[log]\nformat = "json"\n${extra}`,
  );
  return path;
}

async function listening(p: AggregatorProcess): Promise<string> {
  await p.ready();
  return String((await p.waitForLog((l) => String(l.msg).startsWith("HTTP listener"))).url);
}

beforeAll(async () => {
  observer = await Observer.connect(company);
  open = new AggregatorProcess([
    "--config",
    config(
      "open",
      `[http]\nport = 0\n[history]\nurl = "sqlite:${join(dir, "h.db")}"\nperiod_minutes = 1\nkeep_fine_days = 36500\n`,
    ),
  ]);
  openUrl = await listening(open);
  guarded = new AggregatorProcess([
    "--config",
    config("token", `[http]\nport = 0\ntoken = "${TOKEN}"\n`),
  ]);
  guardedUrl = await listening(guarded);
  // Two devices report.
  const status = (w: number, p: number) =>
    `{"id":0,"source":"init","output":true,"apower":${p},"aenergy":{"total":${w}}}`;
  await observer.send(`${company}/Porto/Kitchen/Fridge/status/switch:0`, status(1000, 90));
  await observer.send(`${company}/Porto/Kitchen/Fridge/status/switch:0`, status(1000.5, 90));
  await observer.send(`${company}/Lisbon/Lab/Heater/status/switch:0`, status(50, 1500));
  await observer.send(`${company}/Lisbon/Lab/Heater/status/switch:0`, status(52.25, 1500));
  await observer.waitFor(`${company}/CompanyEnergyConsumed`, (p) => p.TotalEnergy === 2.75);
}, 30_000);

afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
  await clearRetained(observer);
  await observer.close();
});

describe("the web view's API (built CLI, real Mosquitto)", () => {
  it("GET /api/nodes: the tree with the numbers of the MQTT payloads", async () => {
    const r = await fetch(`${openUrl}/api/nodes`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document read field by field
    const doc: any = await r.json();
    expect(doc).toMatchObject({ company, history: true, brokerConnected: true });
    expect(doc.root).toMatchObject({ path: "", level: "company", energyWh: 2.75 });
    const retained = observer.latest.get(`${company}/CompanyEnergyConsumed`)!;
    expect(doc.root.energyWh).toBe(retained.TotalEnergy);
    expect(doc.root.energyTodayWh).toBe(retained.EnergyTodayWh);
    const porto = doc.root.children.find((c: { name: string }) => c.name === "Porto");
    const fridge = porto.children[0].children[0];
    expect(fridge).toMatchObject({
      path: "Porto/Kitchen/Fridge",
      level: "device",
      energyWh: 0.5,
      powerW: 90,
    });
    expect(fridge.channels).toEqual([
      { id: "switch:0", powerW: 90, energyWh: 0.5, state: "online" },
    ]);
  });

  it("GET /api/history: the rows, and 400 for every bad parameter", async () => {
    const now = Date.now();
    const from = new Date(now - 3_600_000).toISOString();
    const to = new Date(now + 120_000).toISOString();
    let rows: { path: string; energyWh: number }[] = [];
    for (let i = 0; i < 50 && rows.reduce((n, r) => n + r.energyWh, 0) < 2.75; i++) {
      const r = await fetch(`${openUrl}/api/history?path=*&from=${from}&to=${to}&by=period`);
      expect(r.status).toBe(200);
      rows = ((await r.json()) as { rows: typeof rows }).rows;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(rows.reduce((n, r) => n + r.energyWh, 0)).toBe(2.75);
    expect(new Set(rows.map((r) => r.path))).toEqual(new Set(["Porto", "Lisbon"]));
    // The rows came from SQLite's own thread; /metrics counts them.
    const metrics = await (await fetch(`${openUrl}/metrics`)).text();
    const written = /^coreflux_history_rows_written_total (\d+)$/m.exec(metrics);
    expect(Number(written?.[1])).toBeGreaterThan(0);
    // Their making on the event loop was timed, a piece at a time, as the service's own task.
    const pieces = /^coreflux_event_loop_task_seconds_count\{task="history_write"\} (\d+)$/m.exec(
      metrics,
    );
    expect(Number(pieces?.[1])).toBeGreaterThan(0);
    for (const bad of [
      `from=${from}&to=${to}&by=week`,
      `from=yesterday&to=${to}`,
      `from=${to}&to=${from}`,
      `to=${to}`,
      `from=${from}&to=${to}&colour=red`,
      `path=${encodeURIComponent("a/#")}&from=${from}&to=${to}`,
    ]) {
      const r = await fetch(`${openUrl}/api/history?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(((await r.json()) as { error: unknown }).error).toBeTypeOf("string");
    }
    expect(
      (
        await fetch(`${guardedUrl}/api/history?from=${from}&to=${to}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(404);
  });

  it("read-only, and a bad path or method is an answer, never a crash", async () => {
    expect((await fetch(`${openUrl}/api/nodes`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${openUrl}/api/nope`)).status).toBe(404);
    expect((await fetch(`${openUrl}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${openUrl}/api/nodes?x=1`)).status).toBe(400);
    expect((await fetch(`${openUrl}/healthz`)).status).toBe(200);
  });

  it("GET /api/events: a stream with the tree now and after each cycle", async () => {
    const controller = new AbortController();
    const r = await fetch(`${openUrl}/api/events`, { signal: controller.signal });
    expect(r.headers.get("content-type")).toContain("text/event-stream");
    const reader = r.body!.getReader();
    let text = "";
    while ((text.match(/event: nodes/g) ?? []).length < 2) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain("event: status");
    const first = text.split("event: nodes\ndata: ")[1]!.split("\n")[0]!;
    expect(JSON.parse(first).root.energyWh).toBe(2.75);
  });

  it("a token-protected listener refuses what comes without the token; the login form sets a cookie", async () => {
    expect((await fetch(`${guardedUrl}/api/nodes`)).status).toBe(401);
    expect(
      (
        await fetch(`${guardedUrl}/api/nodes`, {
          headers: { authorization: "Bearer wrong-token-000000000" },
        })
      ).status,
    ).toBe(401);
    expect(
      (await fetch(`${guardedUrl}/api/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(200);
    expect((await fetch(`${guardedUrl}/healthz`)).status).toBe(200);
    const refused = await fetch(`${guardedUrl}/login`, {
      method: "POST",
      body: "token=nope",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(refused.status).toBe(401);
    const login = await fetch(`${guardedUrl}/login`, {
      method: "POST",
      body: `token=${TOKEN}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await fetch(`${guardedUrl}/api/nodes`, {
      headers: { cookie: cookie.split(";")[0]! },
    });
    expect(withCookie.status).toBe(200);
  });
});
