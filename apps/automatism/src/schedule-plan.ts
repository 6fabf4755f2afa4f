import { sameTimespec } from "./schedule-timespec";

/** A schedule job the mirror wants on a device: one per (rule, window, switch channel). */
export interface WantedJob {
  /** Identifies the job among a device's: rule, window and channel. */
  key: string;
  rule: string;
  /** The rule's window, `"20:30-08:30"`. */
  window: string;
  channel: number;
  /** Cron `ss mm hh DD MM WW` in the device's local time. */
  timespec: string;
}

/** A job the mirror created (or adopted) on a device, as recorded in its snapshot. */
export interface OwnJob {
  rule: string;
  window: string;
  channel: number;
  /** The device's job id. */
  id: number;
  /** The timespec it was given. */
  timespec: string;
}

/** A job as `Schedule.List` shows it. */
export interface ListedJob {
  id: number;
  enable: boolean;
  timespec: string;
  calls: unknown[];
}

/** What the mirror must send to bring a device's schedule to what it wants. */
export type MirrorAction =
  | { kind: "delete"; key: string; id: number }
  | { kind: "update"; job: WantedJob; id: number }
  | { kind: "create"; job: WantedJob };

/** One of our jobs that is not on the device the way we left it. */
export interface Drift {
  key: string;
  /** The job id (the recorded one for `missing`). */
  id: number;
  what: "missing" | "disabled" | "changed";
}

/** The outcome of {@link planSchedule}. */
export interface SchedulePlan {
  /** Deletes first (they free slots), then updates, then creates. */
  actions: MirrorAction[];
  drift: Drift[];
  /** Our jobs that are on the device now (kept, adopted, to update or to delete), by key. */
  own: Map<string, OwnJob>;
}

/** The key of the job of `rule`'s `window` on `channel`. */
export function jobKey(rule: string, window: string, channel: number): string {
  return JSON.stringify([rule, window, channel]);
}

/** The calls of a mirrored job: `Switch.Set` of `channel` to off. */
export function switchOffCalls(
  channel: number,
): { method: string; params: Record<string, unknown> }[] {
  return [{ method: "Switch.Set", params: { id: channel, on: false } }];
}

/**
 * Compares a device's listed jobs with the jobs the mirror recorded (`own`) and the jobs it
 * wants, and says what to send. Ours are the recorded ids, and jobs equal to one we would
 * create (adopted, so a lost snapshot or a lost answer leaves no duplicate). Never touches a
 * job that is not ours. A recorded job that is missing, disabled or not as we wrote it is drift;
 * one that is as we wrote it but the rule changed (its days) is updated without being drift.
 */
export function planSchedule(
  listed: readonly ListedJob[],
  own: ReadonlyMap<string, OwnJob>,
  wanted: ReadonlyMap<string, WantedJob>,
): SchedulePlan {
  const byId = new Map(listed.map((j) => [j.id, j]));
  const claimed = new Set<number>();
  const deletes: MirrorAction[] = [];
  const updates: MirrorAction[] = [];
  const creates: MirrorAction[] = [];
  const drift: Drift[] = [];
  const stillOurs = new Map<string, OwnJob>();
  const missing = new Map<string, Drift>();

  for (const [key, record] of own) {
    const job = byId.get(record.id);
    if (job === undefined || claimed.has(record.id) || !callsMatch(job.calls, record.channel)) {
      // Gone, or its id now runs something else (a person reused it, a reset device renumbered):
      // not ours any more, left alone.
      missing.set(key, { key, id: record.id, what: job === undefined ? "missing" : "changed" });
      continue;
    }
    claimed.add(record.id);
    stillOurs.set(key, record);
    const want = wanted.get(key);
    if (want === undefined) {
      deletes.push({ kind: "delete", key, id: record.id });
      continue;
    }
    if (isExactly(job, want.timespec, want.channel)) {
      stillOurs.set(key, { ...record, timespec: want.timespec });
      continue;
    }
    if (!isExactly(job, record.timespec, record.channel)) {
      drift.push({ key, id: record.id, what: job.enable ? "changed" : "disabled" });
    }
    updates.push({ kind: "update", job: want, id: record.id });
  }

  for (const [key, want] of wanted) {
    if (stillOurs.has(key)) continue;
    const twin = listed.find(
      (j) => !claimed.has(j.id) && isExactly(j, want.timespec, want.channel),
    );
    if (twin !== undefined) {
      claimed.add(twin.id);
      stillOurs.set(key, {
        rule: want.rule,
        window: want.window,
        channel: want.channel,
        id: twin.id,
        timespec: want.timespec,
      });
      continue;
    }
    const lost = missing.get(key);
    if (lost !== undefined) drift.push(lost);
    creates.push({ kind: "create", job: want });
  }
  return { actions: [...deletes, ...updates, ...creates], drift, own: stillOurs };
}

/** True when `job` is enabled, fires at `timespec` and only switches `channel` off. */
function isExactly(job: ListedJob, timespec: string, channel: number): boolean {
  return job.enable && sameTimespec(job.timespec, timespec) && callsMatch(job.calls, channel);
}

/** True when `calls` are exactly {@link switchOffCalls} of `channel`. */
function callsMatch(calls: readonly unknown[], channel: number): boolean {
  if (calls.length !== 1) return false;
  const call = calls[0];
  if (typeof call !== "object" || call === null) return false;
  const { method, params } = call as { method?: unknown; params?: unknown };
  if (typeof method !== "string" || method.toLowerCase() !== "switch.set") return false;
  if (typeof params !== "object" || params === null) return false;
  const p = params as Record<string, unknown>;
  return Object.keys(p).length === 2 && p.id === channel && p.on === false;
}

/** Reads a `Schedule.List` result; undefined when it is not one. */
export function listedJobs(result: unknown): ListedJob[] | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const jobs = (result as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs)) return undefined;
  const out: ListedJob[] = [];
  for (const j of jobs) {
    if (typeof j !== "object" || j === null) return undefined;
    const { id, enable, timespec, calls } = j as Record<string, unknown>;
    if (typeof id !== "number" || typeof timespec !== "string") return undefined;
    out.push({
      id,
      enable: enable !== false,
      timespec,
      calls: Array.isArray(calls) ? calls : [],
    });
  }
  return out;
}
