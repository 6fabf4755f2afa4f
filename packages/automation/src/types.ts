import type { Weekday } from "./window";

/** One rule: which channels, when (local windows on some days), and whether only to report. */
export interface AutomationRule {
  /** Unique among the rules; named in every command and event. */
  name: string;
  /** Path globs over `Office/Room/Device` (`*` in a segment, `**` any depth); default `["**"]`. */
  match?: readonly string[];
  /** Globs of channels this rule leaves alone (a fridge, a server rack). */
  except?: readonly string[];
  /** Local `HH:MM-HH:MM` windows; one may cross midnight (`"20:30-08:30"`). */
  windows: readonly string[];
  /** The days a window may start on; default every day. */
  days?: readonly Weekday[];
  /** The IANA zone of the windows. */
  timeZone: string;
  /** Decide and report, but send nothing. */
  dryRun?: boolean;
}

/** Settings of an {@link AutomationEngine}. */
export interface AutomationOptions {
  rules: readonly AutomationRule[];
  /** How long a channel may take to report `off` after a command, ms (default 30,000). */
  confirmTimeoutMs?: number;
  /** Wait before the first retry, ms, doubling each time (default 5,000). */
  retryBackoffMs?: number;
  /** Commands per channel and window, the first included (default 3). */
  maxAttempts?: number;
  /** Commands per second at most, across the fleet (default 50). */
  maxCommandsPerSecond?: number;
  /** How long a person's override holds, ms; default: until the window ends. */
  overrideMs?: number;
  /** The `source` a device reports for a change our command made (default `"MQTT"`). */
  commandSource?: string;
}

/** A command to switch one channel off. */
export interface SwitchOffCommand {
  /** `Office/Room/Device`. */
  path: string;
  /** The switch channel (`switch:<n>`, Gen1 `relay/<n>`). */
  channel: number;
  rule: string;
  /** 1 for the first command of this window, then 2, 3, ... */
  attempt: number;
  tsMs: number;
}

/** What an {@link AutomationEvent} reports. */
export type AutomationEventKind =
  | "commanded"
  | "retried"
  | "confirmed"
  | "failed"
  | "override"
  | "excepted"
  | "dry-run";

/** One decision, for the events topic and the log. */
export interface AutomationEvent {
  event: AutomationEventKind;
  path: string;
  channel: number;
  rule: string;
  /** The attempt the event is about (0 when no command was involved). */
  attempt: number;
  tsMs: number;
  /** Why, for `failed` and `override`. */
  reason?: string;
}

/** What a call of {@link AutomationEngine.tick} produced. */
export interface AutomationOutput {
  commands: SwitchOffCommand[];
  events: AutomationEvent[];
}
