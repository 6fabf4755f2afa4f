import { type AutomationRule, PathGlob } from "@coreflux/automation";
import type { Logger } from "pino";
import type { KnownDevice } from "./device-directory";
import {
  jobKey,
  listedJobs,
  type MirrorAction,
  type OwnJob,
  planSchedule,
  switchOffCalls,
  type WantedJob,
} from "./schedule-plan";
import { timespecOf } from "./schedule-timespec";

/** Settings of a {@link ScheduleMirror}. */
export interface MirrorOptions {
  /** The engine's rules; dry-run rules are not mirrored. */
  rules: readonly AutomationRule[];
  /** The RPC `src`: the devices answer on `${clientId}/rpc`. */
  clientId: string;
  /** Sends one RPC request (QoS 1, not retained, is what the service uses). */
  publish: (topic: string, payload: string) => void;
  log: Logger;
  /** How often each device's schedule is listed again to find drift, ms (default 1 h). */
  verifyEveryMs?: number;
  /** Requests sent per {@link ScheduleMirror.tick} at most, across the fleet (default 10). */
  maxRequestsPerTick?: number;
  /** How long a device may take to answer, ms (default 30 s); then it is asked again later. */
  requestTimeoutMs?: number;
  /** Called when the jobs the mirror owns changed: time to write the state file. */
  onChange?: () => void;
}

/** What a {@link ScheduleMirror} did, for `/metrics` and logs. */
export interface MirrorStats {
  /** Gen2+ devices whose schedule holds every job the rules want (at the last check). */
  devicesMirrored: number;
  /** `Schedule.Create` calls that succeeded (repairs included). */
  jobsCreated: number;
  /** Our jobs found missing, disabled or changed on a device. */
  drift: number;
  /** Gen1 devices a rule governs (no schedule RPC), and (device, rule) pairs whose zones differ. */
  notMirrorable: number;
  /** Refused or unanswered requests, and jobs not created because a device's schedule is full. */
  failures: number;
}

/** The jobs the mirror owns per device prefix, for the state file. */
export interface MirrorSnapshot {
  format: "coreflux.automatism.schedule-mirror";
  version: 1;
  devices: Record<string, OwnJob[]>;
}

/** First RPC id of the mirror: far above the service's command ids, which count from 1. */
export const FIRST_MIRROR_RPC_ID = 1_000_000_000;
/** Shelly's "resource exhausted" (the 21st schedule job) and "not found" (a job id). */
const RESOURCE_EXHAUSTED = -108;
const NOT_FOUND = -105;
/** First wait before asking a device again after a failure, ms; it doubles up to the verify period. */
const RETRY_MIN_MS = 60_000;

interface MirrorRule {
  rule: AutomationRule;
  match: PathGlob[];
  except: PathGlob[];
  jobs: { window: string; timespec: string }[];
}

/** Where a device is in its round: ask its zone, list its jobs, apply the plan, wait to verify. */
type Stage = "zone" | "list" | "apply" | "idle";

interface Pending {
  id: number;
  sentMs: number;
  kind: "zone" | "list" | "action";
  action?: MirrorAction;
}

interface Entry {
  device: KnownDevice;
  /** Switch channels seen, and those of jobs recorded in the snapshot. */
  channels: Set<number>;
  own: Map<string, OwnJob>;
  /** The device's `location.tz` (null: none set); undefined: it does not say (assumed the rules'). */
  zone: { tz: string | null } | undefined;
  stage: Stage;
  dueMs: number;
  queue: MirrorAction[];
  pending: Pending | undefined;
  /** A channel appeared while a plan was being applied: list again when it is done. */
  relist: boolean;
  backoffMs: number;
  wanted: Set<string>;
  roundFailed: boolean;
  mirrored: boolean;
  zoneReported: Set<string>;
}

/**
 * Writes the rules into each governed Gen2+ device's own schedule (`Schedule.Create`: at the
 * window's start, `Switch.Set` off, in the device's local time), so the switch-off happens even
 * while the service or the broker is down; lists the schedule again every `verifyEveryMs` and
 * repairs and reports drift; removes only its own jobs when a rule goes. Sends through
 * `publish` and is told the answers ({@link onRpcResponse}); reads no clock (time is passed
 * in) and starts no timer. One request per device at a time, `maxRequestsPerTick` per tick.
 */
export class ScheduleMirror {
  private readonly rules: MirrorRule[];
  private readonly verifyEveryMs: number;
  private readonly maxPerTick: number;
  private readonly timeoutMs: number;
  private readonly devices = new Map<string, Entry>();
  /** Jobs from the snapshot of devices not seen yet, by prefix. */
  private readonly restored = new Map<string, OwnJob[]>();
  private readonly rulesByPath = new Map<string, MirrorRule[]>();
  private readonly gen1Reported = new Set<string>();
  private readonly waiting = new Map<number, Entry>();
  private nextId = FIRST_MIRROR_RPC_ID;
  private readonly counts = { jobsCreated: 0, drift: 0, notMirrorable: 0, failures: 0 };

  /** Throws `AutomationError` `INVALID_RULE` for a rule the engine would refuse too. */
  constructor(private readonly options: MirrorOptions) {
    this.rules = options.rules
      .filter((r) => r.dryRun !== true)
      .map((rule) => ({
        rule,
        match: (rule.match ?? ["**"]).map((g) => new PathGlob(g)),
        except: (rule.except ?? []).map((g) => new PathGlob(g)),
        jobs: rule.windows.map((window) => ({ window, timespec: timespecOf(window, rule.days) })),
      }));
    this.verifyEveryMs = options.verifyEveryMs ?? 3_600_000;
    this.maxPerTick = options.maxRequestsPerTick ?? 10;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** A mirror that owns the jobs `snapshot` records; an unusable snapshot is logged and ignored. */
  static restore(snapshot: unknown, options: MirrorOptions): ScheduleMirror {
    const mirror = new ScheduleMirror(options);
    const devices = readSnapshot(snapshot);
    if (devices === undefined) {
      options.log.warn("schedule mirror: the saved jobs are unusable; starting without them");
      return mirror;
    }
    for (const [prefix, jobs] of devices) mirror.restored.set(prefix, jobs);
    return mirror;
  }

  /** A device's switch channel was seen (call on every status; cheap when nothing is due). */
  channelSeen(device: KnownDevice, channel: number, nowMs: number): void {
    let entry = this.devices.get(device.prefix);
    if (entry === undefined) {
      const rules = this.rulesFor(device.path);
      if (device.generation === 1) {
        if (rules.length > 0 && !this.gen1Reported.has(device.prefix)) {
          this.gen1Reported.add(device.prefix);
          this.counts.notMirrorable++;
          this.options.log.warn(
            { path: device.path, prefix: device.prefix },
            "schedule mirror: a Gen1 device has no schedule RPC; not mirrorable",
          );
        }
        return;
      }
      const restored = this.restored.get(device.prefix);
      if (rules.length === 0 && restored === undefined) return;
      this.restored.delete(device.prefix);
      entry = newEntry(device, restored ?? [], nowMs);
      this.devices.set(device.prefix, entry);
    }
    entry.device = device;
    if (entry.channels.has(channel)) return;
    entry.channels.add(channel);
    if (entry.stage === "apply") entry.relist = true;
    else if (entry.stage === "idle") {
      entry.stage = "list";
      entry.dueMs = nowMs;
    }
  }

  /** An RPC response on `${clientId}/rpc`; true when it answered one of the mirror's requests. */
  onRpcResponse(id: number, result: unknown, error: unknown, nowMs: number): boolean {
    if (!Number.isInteger(id) || id < FIRST_MIRROR_RPC_ID) return false;
    const entry = this.waiting.get(id);
    this.waiting.delete(id);
    const pending = entry?.pending;
    if (entry === undefined || pending === undefined || pending.id !== id) return true; // late
    entry.pending = undefined;
    const failed = error !== undefined && error !== null;
    if (pending.kind === "zone") this.onZone(entry, failed ? undefined : result, error, nowMs);
    else if (pending.kind === "list") this.onList(entry, failed ? undefined : result, error, nowMs);
    else this.onAction(entry, pending.action!, failed ? error : undefined, result, nowMs);
    return true;
  }

  /** Periodic work: send what is due (creation, verification), at a bounded rate. */
  tick(nowMs: number): void {
    let budget = this.maxPerTick;
    for (const entry of this.devices.values()) {
      const pending = entry.pending;
      if (pending !== undefined) {
        if (nowMs - pending.sentMs < this.timeoutMs) continue;
        this.timedOut(entry, pending, nowMs);
      }
      if (budget > 0 && entry.dueMs <= nowMs && this.sendNext(entry, nowMs)) budget--;
    }
  }

  /** What it did, for /metrics and logs. */
  stats(): MirrorStats {
    let devicesMirrored = 0;
    for (const entry of this.devices.values()) if (entry.mirrored) devicesMirrored++;
    return { devicesMirrored, ...this.counts };
  }

  /** For the state file: the schedule job ids the mirror owns per device prefix. */
  snapshot(): MirrorSnapshot {
    const devices: Record<string, OwnJob[]> = {};
    for (const [prefix, jobs] of this.restored) devices[prefix] = jobs.map((j) => ({ ...j }));
    for (const [prefix, entry] of this.devices) {
      if (entry.own.size > 0) devices[prefix] = [...entry.own.values()].map((j) => ({ ...j }));
    }
    return { format: "coreflux.automatism.schedule-mirror", version: 1, devices };
  }

  private rulesFor(path: string): MirrorRule[] {
    let rules = this.rulesByPath.get(path);
    if (rules === undefined) {
      rules = this.rules.filter(
        (r) => r.match.some((g) => g.matches(path)) && !r.except.some((g) => g.matches(path)),
      );
      this.rulesByPath.set(path, rules);
    }
    return rules;
  }

  /** Sends the entry's next request; false when there was none. */
  private sendNext(entry: Entry, nowMs: number): boolean {
    if (entry.stage === "idle") entry.stage = "list"; // time to verify
    if (entry.stage === "zone") return this.request(entry, "Sys.GetConfig", undefined, nowMs);
    if (entry.stage === "list") return this.request(entry, "Schedule.List", undefined, nowMs);
    const action = entry.queue.shift();
    if (action === undefined) {
      this.finishRound(entry, nowMs);
      return false;
    }
    if (action.kind === "delete") {
      return this.request(entry, "Schedule.Delete", { id: action.id }, nowMs, action);
    }
    const job = {
      enable: true,
      timespec: action.job.timespec,
      calls: switchOffCalls(action.job.channel),
    };
    if (action.kind === "update") {
      return this.request(entry, "Schedule.Update", { id: action.id, ...job }, nowMs, action);
    }
    return this.request(entry, "Schedule.Create", job, nowMs, action);
  }

  private request(
    entry: Entry,
    method: string,
    params: Record<string, unknown> | undefined,
    nowMs: number,
    action?: MirrorAction,
  ): true {
    const id = this.nextId++;
    const kind = action !== undefined ? "action" : entry.stage === "zone" ? "zone" : "list";
    entry.pending =
      action === undefined ? { id, sentMs: nowMs, kind } : { id, sentMs: nowMs, kind, action };
    this.waiting.set(id, entry);
    const body = { id, src: this.options.clientId, method, ...(params ? { params } : {}) };
    this.options.publish(`${entry.device.prefix}/rpc`, JSON.stringify(body));
    return true;
  }

  private onZone(entry: Entry, result: unknown, error: unknown, nowMs: number): void {
    if (result === undefined) {
      entry.zone = undefined;
      this.options.log.info(
        { path: entry.device.path, error },
        "schedule mirror: the device does not tell its time zone (Sys.GetConfig); assuming the rules' zone",
      );
    } else {
      const tz = (result as { location?: { tz?: unknown } }).location?.tz;
      entry.zone = { tz: typeof tz === "string" && tz.length > 0 ? tz : null };
    }
    entry.stage = "list";
    entry.dueMs = nowMs;
  }

  private onList(entry: Entry, result: unknown, error: unknown, nowMs: number): void {
    const listed = result === undefined ? undefined : listedJobs(result);
    if (listed === undefined) {
      this.fail(entry, { error: error ?? "not a Schedule.List result" }, "Schedule.List failed");
      this.retryLater(entry, "list", nowMs);
      return;
    }
    const wanted = this.wantedFor(entry);
    const before = ownSignature(entry.own);
    const plan = planSchedule(listed, entry.own, wanted);
    entry.own = plan.own;
    if (ownSignature(entry.own) !== before) this.options.onChange?.();
    if (plan.drift.length > 0) {
      this.counts.drift += plan.drift.length;
      this.options.log.warn(
        {
          path: entry.device.path,
          drift: plan.drift.map((d) => ({ ...keyParts(d.key), id: d.id, what: d.what })),
        },
        "schedule mirror: drift on the device (our jobs missing, disabled or changed); repairing",
      );
    }
    entry.wanted = new Set(wanted.keys());
    entry.queue = plan.actions;
    entry.roundFailed = false;
    entry.backoffMs = 0;
    entry.stage = "apply";
    entry.dueMs = nowMs;
    if (entry.queue.length === 0) this.finishRound(entry, nowMs);
  }

  private onAction(
    entry: Entry,
    action: MirrorAction,
    error: unknown,
    result: unknown,
    nowMs: number,
  ): void {
    const code = errorCode(error);
    if (action.kind === "create") {
      const id = (result as { id?: unknown } | undefined)?.id;
      if (error === undefined && typeof id === "number") {
        entry.own.set(action.job.key, ownJob(action.job, id));
        this.counts.jobsCreated++;
        this.options.onChange?.();
      } else if (code === RESOURCE_EXHAUSTED) {
        const dropped = entry.queue.filter((a) => a.kind === "create").length;
        entry.queue = entry.queue.filter((a) => a.kind !== "create");
        this.counts.failures += dropped; // the one refused is counted by fail()
        this.fail(
          entry,
          { error, notCreated: dropped + 1 },
          "schedule mirror: the device's schedule is full (20 jobs at most); jobs not created",
        );
      } else {
        this.fail(entry, { error, job: keyParts(action.job.key) }, "Schedule.Create failed");
      }
    } else if (action.kind === "update") {
      if (error === undefined) {
        entry.own.set(action.job.key, ownJob(action.job, action.id));
        this.options.onChange?.();
      } else if (code === NOT_FOUND) {
        entry.own.delete(action.job.key);
        entry.queue.push({ kind: "create", job: action.job });
        this.options.onChange?.();
      } else {
        this.fail(entry, { error, job: keyParts(action.job.key) }, "Schedule.Update failed");
      }
    } else if (error === undefined || code === NOT_FOUND) {
      entry.own.delete(action.key);
      this.options.onChange?.();
    } else {
      this.fail(entry, { error, job: keyParts(action.key) }, "Schedule.Delete failed");
    }
    if (entry.queue.length === 0) this.finishRound(entry, nowMs);
  }

  private finishRound(entry: Entry, nowMs: number): void {
    const wasMirrored = entry.mirrored;
    entry.mirrored =
      !entry.roundFailed &&
      entry.wanted.size > 0 &&
      [...entry.wanted].every((k) => entry.own.has(k));
    if (entry.mirrored && !wasMirrored) {
      this.options.log.info(
        { path: entry.device.path, jobs: entry.wanted.size },
        "schedule mirror: the rules are on the device",
      );
    }
    if (entry.relist) {
      entry.relist = false;
      entry.stage = "list";
      entry.dueMs = nowMs;
    } else {
      entry.stage = "idle";
      entry.dueMs = nowMs + this.verifyEveryMs;
    }
  }

  private timedOut(entry: Entry, pending: Pending, nowMs: number): void {
    this.waiting.delete(pending.id);
    entry.pending = undefined;
    this.fail(entry, { afterMs: this.timeoutMs }, "schedule mirror: the device did not answer");
    // After an unanswered change, what the device did is unknown: list again before going on.
    this.retryLater(entry, pending.kind === "zone" ? "zone" : "list", nowMs);
  }

  private retryLater(entry: Entry, stage: "zone" | "list", nowMs: number): void {
    entry.backoffMs = Math.min(
      Math.max(RETRY_MIN_MS, entry.backoffMs * 2),
      Math.max(RETRY_MIN_MS, this.verifyEveryMs),
    );
    entry.stage = stage;
    entry.queue = [];
    entry.mirrored = false;
    entry.dueMs = nowMs + entry.backoffMs;
  }

  private fail(entry: Entry, details: Record<string, unknown>, message: string): void {
    this.counts.failures++;
    entry.roundFailed = true;
    this.options.log.warn({ path: entry.device.path, ...details }, message);
  }

  /** The jobs the rules want on `entry`'s device: per rule whose zone fits, window and channel. */
  private wantedFor(entry: Entry): Map<string, WantedJob> {
    const wanted = new Map<string, WantedJob>();
    const channels = [...entry.channels].sort((a, b) => a - b);
    for (const r of this.rulesFor(entry.device.path)) {
      if (!this.zoneFits(entry, r.rule)) continue;
      for (const { window, timespec } of r.jobs) {
        for (const channel of channels) {
          const key = jobKey(r.rule.name, window, channel);
          wanted.set(key, { key, rule: r.rule.name, window, channel, timespec });
        }
      }
    }
    return wanted;
  }

  /** True when the device runs its schedule in `rule`'s zone (or does not say: assumed). */
  private zoneFits(entry: Entry, rule: AutomationRule): boolean {
    if (entry.zone === undefined) return true;
    const tz = entry.zone.tz;
    if (tz !== null && sameZone(tz, rule.timeZone)) return true;
    if (!entry.zoneReported.has(rule.name)) {
      entry.zoneReported.add(rule.name);
      this.counts.notMirrorable++;
      this.options.log.warn(
        { path: entry.device.path, rule: rule.name, ruleZone: rule.timeZone, deviceZone: tz },
        "schedule mirror: the device's time zone is not the rule's; the rule is not mirrored there",
      );
    }
    return false;
  }
}

function newEntry(device: KnownDevice, jobs: readonly OwnJob[], nowMs: number): Entry {
  return {
    device,
    channels: new Set(jobs.map((j) => j.channel)),
    own: new Map(jobs.map((j) => [jobKey(j.rule, j.window, j.channel), { ...j }])),
    zone: undefined,
    stage: "zone",
    dueMs: nowMs,
    queue: [],
    pending: undefined,
    relist: false,
    backoffMs: 0,
    wanted: new Set(),
    roundFailed: false,
    mirrored: false,
    zoneReported: new Set(),
  };
}

function ownJob(job: WantedJob, id: number): OwnJob {
  return { rule: job.rule, window: job.window, channel: job.channel, id, timespec: job.timespec };
}

function ownSignature(own: ReadonlyMap<string, OwnJob>): string {
  return JSON.stringify([...own.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function keyParts(key: string): { rule: string; window: string; channel: number } {
  const [rule, window, channel] = JSON.parse(key) as [string, string, number];
  return { rule, window, channel };
}

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** True when two IANA names are the same zone (`UTC` and `Etc/UTC` are). */
function sameZone(a: string, b: string): boolean {
  return a === b || canonicalZone(a) === canonicalZone(b);
}

function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}

/** The jobs of a snapshot by prefix; undefined when it is not one. Bad jobs are dropped. */
function readSnapshot(snapshot: unknown): Map<string, OwnJob[]> | undefined {
  if (typeof snapshot !== "object" || snapshot === null) return undefined;
  const s = snapshot as Partial<MirrorSnapshot>;
  if (s.format !== "coreflux.automatism.schedule-mirror" || s.version !== 1) return undefined;
  if (typeof s.devices !== "object" || s.devices === null) return undefined;
  const out = new Map<string, OwnJob[]>();
  for (const [prefix, jobs] of Object.entries(s.devices)) {
    if (!Array.isArray(jobs)) continue;
    const good = jobs.filter(
      (j): j is OwnJob =>
        typeof j === "object" &&
        j !== null &&
        typeof j.rule === "string" &&
        typeof j.window === "string" &&
        Number.isInteger(j.channel) &&
        Number.isInteger(j.id) &&
        typeof j.timespec === "string",
    );
    if (good.length > 0)
      out.set(
        prefix,
        good.map((j) => ({ ...j })),
      );
  }
  return out;
}
