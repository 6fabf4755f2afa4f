/**
 * Every query of the dashboard, expanded the way Grafana's MySQL datasource expands it, run
 * against a real MariaDB filled with history rows, and checked against the rows that were written.
 */
import { ZoneCalendar } from "@coreflux/history";
import type { Panel } from "@grafana/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, type QueryContext } from "../src";
import {
  createScratchDatabase,
  mwh,
  num,
  type Row,
  resolveVariables,
  runPanel,
  type ScratchDatabase,
  type Selections,
  timeMs,
  type View,
} from "../src/runner";
import {
  type FillHistory,
  FLEET,
  fillWithGeneratedRows,
  HISTORY_SETTINGS,
  type HistoryTruth,
  type TruthRow,
} from "./fill-history";

/** The fill step: swap in an aggregator run for the end-to-end variant. */
const fill: FillHistory = fillWithGeneratedRows;

const HOUR = 3_600_000;
const PERIOD = HISTORY_SETTINGS.periodMinutes * 60_000;
const calendar = new ZoneCalendar(HISTORY_SETTINGS.timeZone);
const dashboard = buildDashboard();
const panels = (dashboard.panels ?? []) as Panel[];
const TWO_OFFICES = ["Porto", "Vila d'Este"];

function panel(titlePrefix: string): Panel {
  const found = panels.find((p) => p.title?.startsWith(titlePrefix));
  if (found === undefined) throw new Error(`no panel "${titlePrefix}"`);
  return found;
}

let db: ScratchDatabase | undefined;
let truth: HistoryTruth;

beforeAll(async () => {
  db = await createScratchDatabase();
  truth = await fill(db.url);
});

afterAll(async () => {
  await db?.drop();
});

/** The whole filled range as a dashboard view: `to` one ms short of the end, like Grafana's. */
function fullView(intervalMs = HOUR): View {
  return { fromMs: truth.startMs, toMs: truth.endMs - 1, intervalMs };
}

/** Resolves the variables for `selections` and returns the context panels are expanded in. */
async function contextFor(view: View, selections: Selections = {}): Promise<QueryContext> {
  const { variables } = await resolveVariables(db!.session, dashboard, view, selections);
  return { ...view, variables };
}

async function run(title: string, context: QueryContext): Promise<Row[]> {
  return (await runPanel(db!.session, panel(title), context)).rows;
}

/** Unix seconds as Grafana's macros see the range ends. */
const floorS = (ms: number) => Math.floor(ms / 1000) * 1000;
const depth = (path: string) => (path === "" ? 0 : path.split("/").length);
const officeOf = (path: string) => path.split("/")[0] ?? "";

/** Truth rows of the selected rooms (every room of `offices`, or the `rooms` given). */
function roomRows(offices: string[] | undefined, rooms?: string[]): TruthRow[] {
  return truth.rows.filter(
    (r) =>
      depth(r.path) === 2 &&
      (rooms === undefined || rooms.includes(r.path)) &&
      (offices === undefined || offices.includes(officeOf(r.path))),
  );
}

function sumBy<K>(rows: TruthRow[], key: (r: TruthRow) => K | undefined): Map<K, number> {
  const out = new Map<K, number>();
  for (const r of rows) {
    const k = key(r);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + r.energyMwh);
  }
  return out;
}

const inRange = (t: number, view: View) => t >= floorS(view.fromMs) && t <= floorS(view.toMs);

describe("the dashboard's queries on MariaDB", () => {
  it("every query variable runs and lists the fleet; offices filter the rooms", async () => {
    const all = await resolveVariables(db!.session, dashboard, fullView(), {});
    expect(all.variables.company?.options).toEqual([HISTORY_SETTINGS.company]);
    expect(all.variables.office?.options).toEqual(["Braga", "Lisboa", "Porto", "Vila d'Este"]);
    const allRooms = Object.entries(FLEET)
      .flatMap(([o, rooms]) => Object.keys(rooms).map((r) => `${o}/${r}`))
      .sort();
    expect(all.variables.room?.options).toEqual(allRooms);
    expect(all.queries.room).toContain("o.name IN ('Braga','Lisboa','Porto','Vila d''Este')");
    expect(all.variables.group_by?.options).toEqual(["office", "room"]);

    const two = await resolveVariables(db!.session, dashboard, fullView(), { office: TWO_OFFICES });
    expect(two.variables.room?.options).toEqual([
      "Porto/Kitchen",
      "Porto/Office",
      "Vila d'Este/Store",
    ]);
  });

  const selections: Array<[string, Selections]> = [
    ["everything", {}],
    ["two offices", { office: TWO_OFFICES }],
    ["one room, by room", { room: ["Lisboa/Lab"], group_by: "room" }],
  ];
  for (const [label, selection] of selections) {
    for (const intervalMs of [15 * 60_000, HOUR]) {
      it(`every panel runs (${label}, ${intervalMs / 60_000} min interval) with its format's shape`, async () => {
        const view = fullView(intervalMs);
        const context = await contextFor(view, selection);
        for (const p of panels) {
          const { rows, sql, format } = await runPanel(db!.session, p, context);
          expect(sql, p.title).not.toMatch(/\$\w|\$\{|\[\[/);
          expect(rows.length, p.title).toBeGreaterThan(0);
          if (format === "time_series") {
            const times = rows.map((r) => timeMs(r.time));
            expect(
              times.every((t) => t >= floorS(view.fromMs) - HOUR && t <= view.toMs),
              p.title,
            ).toBe(true);
            expect(
              [...times].sort((a, b) => a - b),
              p.title,
            ).toEqual(times);
          }
        }
      });
    }
  }

  it("energy per hour: one bar per local hour, each the company's rows of that hour", async () => {
    const view = fullView();
    const rows = await run("Energy per hour", await contextFor(view));
    const expected = sumBy(
      truth.rows.filter((r) => r.path === ""),
      (r) => calendar.periodsOf(r.periodStartMs).hourStartMs,
    );
    expect(rows).toHaveLength(96);
    expect(new Map(rows.map((r) => [timeMs(r.time), mwh(r.Energy)]))).toEqual(expected);
    const total = truth.rows.filter((r) => r.path === "").reduce((s, r) => s + r.energyMwh, 0);
    expect(rows.reduce((s, r) => s + mwh(r.Energy), 0)).toBe(total);
  });

  it("energy per hour of two offices (a multi-value selection) is those offices' rows", async () => {
    const view = {
      ...fullView(),
      fromMs: truth.startMs + 5 * HOUR,
      toMs: truth.startMs + 29 * HOUR,
    };
    const rows = await run("Energy per hour", await contextFor(view, { office: TWO_OFFICES }));
    const offices = truth.rows.filter(
      (r) =>
        TWO_OFFICES.includes(r.path) &&
        inRange(calendar.periodsOf(r.periodStartMs).hourStartMs, view),
    );
    expect(rows).toHaveLength(25); // both ends inclusive: BETWEEN
    expect(rows.reduce((s, r) => s + mwh(r.Energy), 0)).toBe(
      offices.reduce((s, r) => s + r.energyMwh, 0),
    );
  });

  it("energy per day stacks offices (or rooms) that add up to the company's day", async () => {
    const view = fullView();
    const dayOf = (r: TruthRow) => calendar.periodsOf(r.periodStartMs).dayStartMs;
    const byOffice = await run("Energy per day", await contextFor(view, { group_by: "office" }));
    const expected = sumBy(
      truth.rows.filter((r) => depth(r.path) === 1),
      (r) => `${dayOf(r)} ${r.path}`,
    );
    expect(
      new Map(byOffice.map((r) => [`${timeMs(r.time)} ${String(r.metric)}`, mwh(r.Energy)])),
    ).toEqual(expected);
    // Local days start at 23:00 UTC in Lisbon's summer time.
    expect(new Set(byOffice.map((r) => r.time))).toEqual(
      new Set([
        "2026-09-28 23:00:00",
        "2026-09-29 23:00:00",
        "2026-09-30 23:00:00",
        "2026-10-01 23:00:00",
      ]),
    );
    const companyDays = sumBy(
      truth.rows.filter((r) => r.path === ""),
      dayOf,
    );
    const stacked = new Map<number, number>();
    for (const r of byOffice)
      stacked.set(timeMs(r.time), (stacked.get(timeMs(r.time)) ?? 0) + mwh(r.Energy));
    expect(stacked).toEqual(companyDays);

    // A range that starts mid-day shows only the days that start in it, each whole.
    const later = { ...view, fromMs: truth.startMs + 5 * HOUR };
    const partial = await run("Energy per day", await contextFor(later, { group_by: "office" }));
    expect(
      new Map(partial.map((r) => [`${timeMs(r.time)} ${String(r.metric)}`, mwh(r.Energy)])),
    ).toEqual(new Map([...expected].filter(([key]) => Number(key.split(" ")[0]) >= later.fromMs)));
    expect(partial.length).toBe(3 * Object.keys(FLEET).length);

    const byRoom = await run(
      "Energy per day",
      await contextFor(view, { office: ["Porto"], group_by: "room" }),
    );
    expect(new Set(byRoom.map((r) => r.metric))).toEqual(
      new Set(["Porto / Kitchen", "Porto / Office"]),
    );
    expect(
      new Map(byRoom.map((r) => [`${timeMs(r.time)} ${String(r.metric)}`, mwh(r.Energy)])),
    ).toEqual(sumBy(roomRows(["Porto"]), (r) => `${dayOf(r)} ${r.path.replace("/", " / ")}`));
  });

  it("top devices are the ten largest, each with its rows' sums and highest peak", async () => {
    const view = { ...fullView(), toMs: truth.startMs + 50 * HOUR };
    for (const offices of [undefined, TWO_OFFICES]) {
      const rows = await run(
        "Top devices",
        await contextFor(view, offices === undefined ? {} : { office: offices }),
      );
      const devices = new Map<string, { energy: number; returned: number; peak: number }>();
      for (const r of truth.rows) {
        if (depth(r.path) < 3 || (offices !== undefined && !offices.includes(officeOf(r.path))))
          continue;
        if (!inRange(calendar.periodsOf(r.periodStartMs).hourStartMs, view)) continue;
        const d = devices.get(r.path) ?? { energy: 0, returned: 0, peak: 0 };
        d.energy += r.energyMwh;
        d.returned += r.returnedEnergyMwh;
        d.peak = Math.max(d.peak, r.peakPowerW);
        devices.set(r.path, d);
      }
      const expected = [...devices.entries()]
        .sort((a, b) => b[1].energy - a[1].energy || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10);
      expect(
        rows.map((r) => [r.Device, mwh(r.Energy), mwh(r.Returned), num(r["Peak power"])]),
      ).toEqual(expected.map(([path, d]) => [path, d.energy, d.returned, d.peak]));
      expect(rows.length).toBe(Math.min(10, devices.size));
    }
  });

  it("power now is the average power of the latest period ended by the range's end", async () => {
    for (const toMs of [truth.endMs - 1, truth.startMs + 30 * HOUR + 7 * 60_000 + 500]) {
      for (const offices of [undefined, TWO_OFFICES]) {
        const view = { ...fullView(), toMs };
        const rows = await run(
          "Power now",
          await contextFor(view, offices === undefined ? {} : { office: offices }),
        );
        const latest = Math.floor((floorS(toMs) - PERIOD) / PERIOD) * PERIOD;
        const energy = roomRows(offices)
          .filter((r) => r.periodStartMs === latest)
          .reduce((s, r) => s + r.energyMwh, 0);
        expect(rows).toHaveLength(1);
        expect(num(rows[0]?.Power)).toBeCloseTo(
          (energy * (60 / HISTORY_SETTINGS.periodMinutes)) / 1000,
          6,
        );
      }
    }
  });

  it("today and this month are the local day and month at the range's end, up to it", async () => {
    for (const toMs of [truth.endMs - 1, truth.startMs + 30 * HOUR + 7 * 60_000]) {
      for (const offices of [undefined, TWO_OFFICES]) {
        const view = { ...fullView(), toMs };
        const context = await contextFor(view, offices === undefined ? {} : { office: offices });
        const end = calendar.periodsOf(floorS(toMs));
        const upToEnd = roomRows(offices).filter(
          (r) => calendar.periodsOf(r.periodStartMs).hourStartMs <= floorS(toMs),
        );
        const today = upToEnd
          .filter((r) => calendar.periodsOf(r.periodStartMs).dayStartMs === end.dayStartMs)
          .reduce((s, r) => s + r.energyMwh, 0);
        const month = upToEnd
          .filter((r) => calendar.periodsOf(r.periodStartMs).monthStartMs === end.monthStartMs)
          .reduce((s, r) => s + r.energyMwh, 0);
        expect(mwh((await run("Today", context))[0]?.Today)).toBe(today);
        expect(mwh((await run("This month", context))[0]?.["This month"])).toBe(month);
      }
    }
    // At the end of the data the local month (October, from 2026-09-30 23:00 UTC) holds two days.
    const end = calendar.periodsOf(truth.endMs - 1);
    expect(new Date(end.monthStartMs).toISOString()).toBe("2026-09-30T23:00:00.000Z");
  });

  it("devices online per interval: the fewest online, the most stale and offline", async () => {
    for (const intervalMs of [15 * 60_000, HOUR]) {
      const view = fullView(intervalMs);
      const rows = await run("Devices online", await contextFor(view, { office: TWO_OFFICES }));
      const perPeriod = new Map<number, { online: number; stale: number; offline: number }>();
      for (const r of roomRows(TWO_OFFICES)) {
        const p = perPeriod.get(r.periodStartMs) ?? { online: 0, stale: 0, offline: 0 };
        p.online += r.online;
        p.stale += r.stale;
        p.offline += r.offline;
        perPeriod.set(r.periodStartMs, p);
      }
      const buckets = new Map<number, [number, number, number]>();
      for (const [t, p] of perPeriod) {
        const b = Math.floor(t / intervalMs) * intervalMs;
        const o = buckets.get(b);
        buckets.set(
          b,
          o === undefined
            ? [p.online, p.stale, p.offline]
            : [Math.min(o[0], p.online), Math.max(o[1], p.stale), Math.max(o[2], p.offline)],
        );
      }
      expect(
        new Map(rows.map((r) => [timeMs(r.time), [num(r.Online), num(r.Stale), num(r.Offline)]])),
      ).toEqual(buckets);
    }
  });

  it("peak power per interval is each office's (or room's) own highest peak", async () => {
    for (const [groupBy, level] of [
      ["office", 1],
      ["room", 2],
    ] as const) {
      const view = fullView(HOUR);
      const rows = await run(
        "Peak power",
        await contextFor(view, { office: TWO_OFFICES, group_by: groupBy }),
      );
      const expected = new Map<string, number>();
      for (const r of truth.rows) {
        if (depth(r.path) !== level || !TWO_OFFICES.includes(officeOf(r.path))) continue;
        const key = `${Math.floor(r.periodStartMs / HOUR) * HOUR} ${r.path.replace("/", " / ")}`;
        expected.set(key, Math.max(expected.get(key) ?? 0, r.peakPowerW));
      }
      expect(
        new Map(rows.map((r) => [`${timeMs(r.time)} ${String(r.metric)}`, num(r.Peak)])),
      ).toEqual(expected);
    }
  });

  it("a single selected room (a multi-value variable with one value) narrows every sum", async () => {
    const view = fullView();
    const rows = await run("Energy per hour", await contextFor(view, { room: ["Lisboa/Lab"] }));
    const lab = truth.rows
      .filter((r) => r.path === "Lisboa/Lab")
      .reduce((s, r) => s + r.energyMwh, 0);
    expect(rows.reduce((s, r) => s + mwh(r.Energy), 0)).toBe(lab);
  });
});
