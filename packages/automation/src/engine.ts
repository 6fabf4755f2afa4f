import { AutomationError } from "./errors";
import { activeWindow, type CompiledRule, compileRules, type Relation, relationOf } from "./rules";
import { TokenBucket } from "./token-bucket";
import type {
  AutomationEvent,
  AutomationEventKind,
  AutomationOptions,
  AutomationOutput,
  SwitchOffCommand,
} from "./types";
import type { WindowInstance } from "./window";

/** Where a channel stands in the current window. */
type Phase =
  /** Nothing done yet in this window. */
  | "idle"
  /** A command is out; `deadlineMs` is when its confirmation is due. */
  | "pending"
  /** The last command was not confirmed; `deadlineMs` is when the next one goes. */
  | "backoff"
  /** Confirmed off in this window. */
  | "confirmed"
  /** Gave up for the rest of this window. */
  | "failed"
  /** A person switched it back on: left alone until `deadlineMs` (or the window's end). */
  | "overridden"
  /** A dry-run rule reported it once for this window. */
  | "reported";

interface Channel {
  path: string;
  channel: number;
  on: boolean | undefined;
  source: string | undefined;
  /** The window occurrence the phase belongs to. */
  windowKey: string | undefined;
  rule: string | undefined;
  phase: Phase;
  attempt: number;
  deadlineMs: number | undefined;
  exceptedReported: boolean;
}

/** The engine's state, for a state file (see {@link AutomationEngine.snapshot}). */
export interface AutomationSnapshot {
  format: "coreflux.automation";
  version: 1;
  channels: {
    path: string;
    channel: number;
    on: boolean | null;
    source: string | null;
    windowKey: string | null;
    rule: string | null;
    phase: Phase;
    attempt: number;
    deadlineMs: number | null;
    exceptedReported: boolean;
  }[];
  offline: string[];
}

const PHASES: readonly Phase[] = [
  "idle",
  "pending",
  "backoff",
  "confirmed",
  "failed",
  "overridden",
  "reported",
];

/**
 * The automatism's decisions, pure: channel states, device availability and time go in;
 * switch-off commands and events come out of {@link tick}. No I/O, no clock, no timers.
 *
 * A channel governed by a rule whose window is open, that is on, and whose device is online, is
 * commanded off once. A command not confirmed (`off` reported) within `confirmTimeoutMs` is
 * repeated after `retryBackoffMs`, doubling, up to `maxAttempts` commands, then reported `failed`
 * and left alone for the rest of the window. A channel confirmed off that a person switches on
 * again (a `source` other than the command's) is an override: reported once and left alone until
 * the window ends (or for `overrideMs`). At most one command per channel is outstanding, and no
 * command is ever sent outside a window, to an excepted channel or to an overridden one.
 */
export class AutomationEngine {
  private readonly rules: CompiledRule[];
  private readonly channels = new Map<string, Channel>();
  private readonly offline = new Set<string>();
  private readonly relations = new Map<string, Relation[]>();
  private readonly bucket: TokenBucket;
  private readonly confirmTimeoutMs: number;
  private readonly retryBackoffMs: number;
  private readonly maxAttempts: number;
  private readonly overrideMs: number | undefined;
  private readonly commandSource: string;
  private events: AutomationEvent[] = [];

  constructor(options: AutomationOptions) {
    this.rules = compileRules(options.rules);
    this.confirmTimeoutMs = positive(options.confirmTimeoutMs ?? 30_000, "confirmTimeoutMs");
    this.retryBackoffMs = nonNegative(options.retryBackoffMs ?? 5_000, "retryBackoffMs");
    this.maxAttempts = positiveInteger(options.maxAttempts ?? 3, "maxAttempts");
    this.bucket = new TokenBucket(
      positive(options.maxCommandsPerSecond ?? 50, "maxCommandsPerSecond"),
    );
    this.overrideMs =
      options.overrideMs === undefined ? undefined : positive(options.overrideMs, "overrideMs");
    this.commandSource = options.commandSource ?? "MQTT";
  }

  /** Channels known (every switch channel that reported a state). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Channels inside an open window of a rule at the last {@link tick}. */
  get channelsInWindow(): number {
    let n = 0;
    for (const c of this.channels.values()) if (c.windowKey !== undefined) n++;
    return n;
  }

  /**
   * A switch channel's state, from its status: `on` (Shelly `output`) and the `source` of the
   * last change when the device reports one (Gen1 does not). Confirms a pending command, or
   * detects a person's override.
   */
  status(
    path: string,
    channel: number,
    on: boolean,
    source: string | undefined,
    tsMs: number,
  ): void {
    if (!Number.isInteger(channel) || channel < 0) {
      throw new AutomationError(
        "INVALID_ARGUMENT",
        `channel must be an integer >= 0, got ${channel}`,
      );
    }
    const c = this.channelOf(path, channel);
    c.on = on;
    c.source = source;
    if (!on && (c.phase === "pending" || c.phase === "backoff")) {
      c.phase = "confirmed";
      c.deadlineMs = undefined;
      this.emit("confirmed", c, tsMs);
    } else if (on && c.phase === "confirmed") {
      if (source !== this.commandSource) {
        c.phase = "overridden";
        c.deadlineMs = this.overrideMs === undefined ? undefined : tsMs + this.overrideMs;
        this.emit("override", c, tsMs, `switched on again by ${source ?? "someone"}`);
      } else {
        // Switched on over MQTT, not by a person at the device: a new state to act on.
        startOver(c);
      }
    }
  }

  /** A device's availability (Shelly `online`); an offline device is never commanded. */
  availability(path: string, online: boolean): void {
    if (online) this.offline.delete(path);
    else this.offline.add(path);
  }

  /**
   * A command was refused by the device (an RPC error): the attempt counts as unconfirmed now,
   * and the next waits its backoff.
   */
  commandFailed(path: string, channel: number, tsMs: number): void {
    const c = this.channels.get(keyOf(path, channel));
    if (c?.phase === "pending") c.deadlineMs = tsMs;
  }

  /** Advances to `nowMs`: the commands to send now and every event since the last call. */
  tick(nowMs: number): AutomationOutput {
    const commands: SwitchOffCommand[] = [];
    const open = this.rules.map((rule) => activeWindow(rule, nowMs));
    for (const c of this.channels.values()) {
      const governing = this.governing(c.path, open);
      if (governing === undefined) {
        this.outsideWindows(c, nowMs);
        continue;
      }
      const { rule, window, excepted } = governing;
      if (c.windowKey !== window.key) {
        if (c.windowKey !== undefined && (c.phase === "pending" || c.phase === "backoff")) {
          this.emit(
            "failed",
            c,
            nowMs,
            "another window began before the channel was confirmed off",
          );
        }
        enterWindow(c, window.key);
        c.rule = rule.name;
      }
      if (excepted) {
        if (c.on === true && !c.exceptedReported) {
          c.exceptedReported = true;
          this.emit("excepted", c, nowMs);
        }
        continue;
      }
      const command = this.step(c, rule, window, nowMs);
      if (command !== undefined) commands.push(command);
    }
    const events = this.events;
    this.events = [];
    return { commands, events };
  }

  /** The engine's state for a state file: phases, attempts, overrides and failures survive a restart. */
  snapshot(): AutomationSnapshot {
    return {
      format: "coreflux.automation",
      version: 1,
      channels: [...this.channels.values()].map((c) => ({
        path: c.path,
        channel: c.channel,
        on: c.on ?? null,
        source: c.source ?? null,
        windowKey: c.windowKey ?? null,
        rule: c.rule ?? null,
        phase: c.phase,
        attempt: c.attempt,
        deadlineMs: c.deadlineMs ?? null,
        exceptedReported: c.exceptedReported,
      })),
      offline: [...this.offline],
    };
  }

  /** An engine with `options` and the state of `snapshot`; throws `INVALID_SNAPSHOT` on a foreign one. */
  static restore(snapshot: unknown, options: AutomationOptions): AutomationEngine {
    const s = snapshot as Partial<AutomationSnapshot> | null;
    if (
      s === null ||
      typeof s !== "object" ||
      s.format !== "coreflux.automation" ||
      s.version !== 1 ||
      !Array.isArray(s.channels) ||
      !Array.isArray(s.offline)
    ) {
      throw new AutomationError("INVALID_SNAPSHOT", "not a coreflux.automation version 1 snapshot");
    }
    const engine = new AutomationEngine(options);
    for (const c of s.channels) {
      if (
        typeof c?.path !== "string" ||
        !Number.isInteger(c.channel) ||
        !PHASES.includes(c.phase) ||
        !Number.isInteger(c.attempt)
      ) {
        throw new AutomationError("INVALID_SNAPSHOT", "a channel of the snapshot is malformed");
      }
      engine.channels.set(keyOf(c.path, c.channel), {
        path: c.path,
        channel: c.channel,
        on: c.on ?? undefined,
        source: c.source ?? undefined,
        windowKey: c.windowKey ?? undefined,
        rule: c.rule ?? undefined,
        phase: c.phase,
        attempt: c.attempt,
        deadlineMs: c.deadlineMs ?? undefined,
        exceptedReported: c.exceptedReported === true,
      });
    }
    for (const path of s.offline) if (typeof path === "string") engine.offline.add(path);
    return engine;
  }

  /** One channel inside an open window of `rule`: what to do now. */
  private step(
    c: Channel,
    rule: CompiledRule,
    window: WindowInstance,
    nowMs: number,
  ): SwitchOffCommand | undefined {
    if (c.phase === "overridden" && c.deadlineMs !== undefined && nowMs >= c.deadlineMs) {
      startOver(c);
    }
    if (c.phase === "pending" && nowMs >= c.deadlineMs!) {
      if (c.attempt >= this.maxAttempts) {
        c.phase = "failed";
        c.deadlineMs = undefined;
        this.emit("failed", c, nowMs, `not confirmed off after ${c.attempt} commands`);
        return undefined;
      }
      // The backoff runs from when the confirmation was due, however late this tick is.
      c.phase = "backoff";
      c.deadlineMs = c.deadlineMs! + this.retryBackoffMs * 2 ** (c.attempt - 1);
    }
    const online = !this.offline.has(c.path);
    if (c.phase === "backoff" && nowMs >= c.deadlineMs! && online && nowMs < window.endMs) {
      if (!this.bucket.take(nowMs)) return undefined;
      return this.send(c, rule, nowMs, "retried");
    }
    if (c.phase === "idle" && c.on === true && online) {
      if (rule.dryRun) {
        c.phase = "reported";
        this.emit("dry-run", c, nowMs);
        return undefined;
      }
      if (!this.bucket.take(nowMs)) return undefined;
      return this.send(c, rule, nowMs, "commanded");
    }
    return undefined;
  }

  /** No open window governs the channel (any more): a command still out may yet be confirmed; nothing new is sent. */
  private outsideWindows(c: Channel, nowMs: number): void {
    if (c.phase === "pending" && nowMs < c.deadlineMs!) return;
    if (c.phase === "pending" || c.phase === "backoff") {
      this.emit("failed", c, nowMs, "the window ended before the channel was confirmed off");
    }
    enterWindow(c, undefined);
  }

  private send(
    c: Channel,
    rule: CompiledRule,
    nowMs: number,
    kind: "commanded" | "retried",
  ): SwitchOffCommand {
    c.attempt++;
    c.phase = "pending";
    c.deadlineMs = nowMs + this.confirmTimeoutMs;
    this.emit(kind, c, nowMs);
    return { path: c.path, channel: c.channel, rule: rule.name, attempt: c.attempt, tsMs: nowMs };
  }

  /** The first rule with an open window that governs `path`, else the first that excepts it. */
  private governing(
    path: string,
    open: readonly (WindowInstance | undefined)[],
  ): { rule: CompiledRule; window: WindowInstance; excepted: boolean } | undefined {
    let relations = this.relations.get(path);
    if (relations === undefined) {
      relations = this.rules.map((rule) => relationOf(rule, path));
      this.relations.set(path, relations);
    }
    let excepting: { rule: CompiledRule; window: WindowInstance; excepted: boolean } | undefined;
    for (let i = 0; i < this.rules.length; i++) {
      const window = open[i];
      if (window === undefined || relations[i] === "none") continue;
      if (relations[i] === "governs") return { rule: this.rules[i]!, window, excepted: false };
      excepting ??= { rule: this.rules[i]!, window, excepted: true };
    }
    return excepting;
  }

  private channelOf(path: string, channel: number): Channel {
    const key = keyOf(path, channel);
    let c = this.channels.get(key);
    if (c === undefined) {
      c = {
        path,
        channel,
        on: undefined,
        source: undefined,
        windowKey: undefined,
        rule: undefined,
        phase: "idle",
        attempt: 0,
        deadlineMs: undefined,
        exceptedReported: false,
      };
      this.channels.set(key, c);
    }
    return c;
  }

  private emit(event: AutomationEventKind, c: Channel, tsMs: number, reason?: string): void {
    this.events.push({
      event,
      path: c.path,
      channel: c.channel,
      rule: c.rule ?? "",
      attempt: c.attempt,
      tsMs,
      ...(reason === undefined ? {} : { reason }),
    });
  }
}

/** Back to nothing done: no command, no attempt, no deadline. */
function startOver(c: Channel): void {
  c.phase = "idle";
  c.attempt = 0;
  c.deadlineMs = undefined;
}

/** The channel enters another window occurrence (`undefined`: none) with nothing done in it. */
function enterWindow(c: Channel, windowKey: string | undefined): void {
  startOver(c);
  c.windowKey = windowKey;
  c.exceptedReported = false;
}

function keyOf(path: string, channel: number): string {
  return `${path}#${channel}`;
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new AutomationError(
      "INVALID_ARGUMENT",
      `${name} must be a positive number, got ${value}`,
    );
  }
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new AutomationError("INVALID_ARGUMENT", `${name} must be >= 0, got ${value}`);
  }
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new AutomationError(
      "INVALID_ARGUMENT",
      `${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}
