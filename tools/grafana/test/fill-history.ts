/**
 * How the SQL test gets a history database to query, and the truth to check the panels against.
 * Today: generated device rows, summed into rooms, offices and the company, written with
 * `@coreflux/history` (the store the aggregator uses). A later end-to-end variant fills the
 * database with a real aggregator run instead: it only has to return the same {@link HistoryTruth}.
 */
import { openHistory, type PeriodRow } from "@coreflux/history";

/** The settings every fill uses (they are part of the database: fixed when it is created). */
export const HISTORY_SETTINGS = {
  company: "Coreflux",
  periodMinutes: 15,
  timeZone: "Europe/Lisbon",
} as const;

/** One node's values for one period, as written: the numbers the panels must reproduce. */
export interface TruthRow {
  path: string;
  periodStartMs: number;
  energyMwh: number;
  returnedEnergyMwh: number;
  peakPowerW: number;
  online: number;
  stale: number;
  offline: number;
}

/** What a fill wrote: every row of every node (company `""`, offices, rooms, devices). */
export interface HistoryTruth {
  rows: TruthRow[];
  /** First period start, Unix ms; the data covers [startMs, endMs). */
  startMs: number;
  endMs: number;
}

/** Fills the (empty) history database at `url` and says what it wrote. */
export type FillHistory = (url: string) => Promise<HistoryTruth>;

/** The generated fleet: offices, their rooms, the rooms' devices (one name has a quote). */
export const FLEET: Record<string, Record<string, string[]>> = {
  Porto: { Kitchen: ["Fridge", "Kettle"], Office: ["PC", "Monitor", "Lamp"] },
  Lisboa: { Lab: ["Scope", "Oven"], Hall: ["Light"] },
  "Vila d'Este": { Store: ["Freezer", "Till"] },
  Braga: { Kitchen: ["Fridge"] },
};

const PERIOD_MS = HISTORY_SETTINGS.periodMinutes * 60_000;

/**
 * Four local days of Europe/Lisbon in summer time (UTC+1), so local midnights are 23:00 UTC and
 * the range crosses a month (September into October): 2026-09-29 00:00 to 2026-10-03 00:00 local.
 */
export const GENERATED_START_MS = Date.UTC(2026, 8, 28, 23, 0);
export const GENERATED_END_MS = Date.UTC(2026, 9, 2, 23, 0);

/** A device's deterministic values in period `k` (device `i` of the fleet). */
function deviceRow(path: string, i: number, k: number, periodStartMs: number): TruthRow {
  const energyMwh = (((i + 1) * 37 + k * 13 * (i + 2)) % 4000) + 100;
  const down = (k + i) % 17 === 0;
  const late = !down && (k + i) % 13 === 0;
  return {
    path,
    periodStartMs,
    energyMwh,
    returnedEnergyMwh: i === 0 ? (k % 5) * 10 : 0,
    peakPowerW: Math.round(energyMwh * 6 + (k % 7) * 10) / 10,
    online: down || late ? 0 : 1,
    stale: late ? 1 : 0,
    offline: down ? 1 : 0,
  };
}

/** Adds children's rows into their parent's (energies and device counts add; peaks add up too). */
function sumRows(path: string, periodStartMs: number, children: TruthRow[]): TruthRow {
  const row: TruthRow = {
    path,
    periodStartMs,
    energyMwh: 0,
    returnedEnergyMwh: 0,
    peakPowerW: 0,
    online: 0,
    stale: 0,
    offline: 0,
  };
  for (const c of children) {
    row.energyMwh += c.energyMwh;
    row.returnedEnergyMwh += c.returnedEnergyMwh;
    row.peakPowerW = Math.round((row.peakPowerW + c.peakPowerW) * 10) / 10;
    row.online += c.online;
    row.stale += c.stale;
    row.offline += c.offline;
  }
  return row;
}

/** Every node's rows for every period of the generated range; parents are their children's sums. */
export function generateTruth(): HistoryTruth {
  const rows: TruthRow[] = [];
  let k = 0;
  for (let t = GENERATED_START_MS; t < GENERATED_END_MS; t += PERIOD_MS, k += 1) {
    const offices: TruthRow[] = [];
    let i = 0;
    for (const [office, rooms] of Object.entries(FLEET)) {
      const roomRows: TruthRow[] = [];
      for (const [room, devices] of Object.entries(rooms)) {
        const deviceRows = devices.map((d) => deviceRow(`${office}/${room}/${d}`, i++, k, t));
        const roomRow = sumRows(`${office}/${room}`, t, deviceRows);
        rows.push(...deviceRows, roomRow);
        roomRows.push(roomRow);
      }
      const officeRow = sumRows(office, t, roomRows);
      rows.push(officeRow);
      offices.push(officeRow);
    }
    rows.push(sumRows("", t, offices));
  }
  return { rows, startMs: GENERATED_START_MS, endMs: GENERATED_END_MS };
}

function periodRow(row: TruthRow): PeriodRow {
  return {
    path: row.path,
    periodStartMs: row.periodStartMs,
    energyMwh: row.energyMwh,
    returnedEnergyMwh: row.returnedEnergyMwh,
    energyDeltaMwh: row.energyMwh,
    returnedEnergyDeltaMwh: row.returnedEnergyMwh,
    additive: false,
    peakPowerW: row.peakPowerW,
    devices: { online: row.online, stale: row.stale, offline: row.offline },
    observedAtMs: row.periodStartMs + PERIOD_MS,
  };
}

/** {@link FillHistory} with {@link generateTruth}: one batch per local day, as a running writer would. */
export const fillWithGeneratedRows: FillHistory = async (url) => {
  const truth = generateTruth();
  const store = await openHistory({ url, ...HISTORY_SETTINGS });
  try {
    const dayMs = 86_400_000;
    let seq = 0;
    for (let day = truth.startMs; day < truth.endMs; day += dayMs) {
      seq += 1;
      const rows = truth.rows.filter(
        (r) => r.periodStartMs >= day && r.periodStartMs < day + dayMs,
      );
      await store.write({ seq, rows: rows.map(periodRow) });
    }
  } finally {
    await store.close();
  }
  return truth;
};
