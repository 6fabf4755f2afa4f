import { AutomationError } from "./errors";
import { addDays, type LocalDate, weekdayOf, type ZoneClock } from "./zone-clock";

/** Days of the week as rules name them. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A daily window `HH:MM-HH:MM` in minutes after local midnight; it may cross midnight. */
export interface DailyWindow {
  text: string;
  startMinute: number;
  endMinute: number;
}

/** One occurrence of a window: from `startMs` (inclusive) to `endMs` (exclusive). */
export interface WindowInstance {
  /** Identifies the occurrence: rule, window and start (stable across restarts). */
  key: string;
  startMs: number;
  endMs: number;
}

/** Parses `"20:30-08:30"`; throws {@link AutomationError} `INVALID_RULE`. */
export function parseWindow(text: string): DailyWindow {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  const n = m?.slice(1).map(Number);
  if (n === undefined || n[0]! > 23 || n[1]! > 59 || n[2]! > 23 || n[3]! > 59) {
    throw new AutomationError(
      "INVALID_RULE",
      `window "${text}" is not HH:MM-HH:MM (00:00 to 23:59)`,
    );
  }
  const startMinute = n[0]! * 60 + n[1]!;
  const endMinute = n[2]! * 60 + n[3]!;
  if (startMinute === endMinute) {
    throw new AutomationError("INVALID_RULE", `window "${text}" starts and ends at the same time`);
  }
  return { text, startMinute, endMinute };
}

/**
 * The occurrence of `window` that contains `nowMs`, if any: it starts on a local date whose
 * weekday is in `days` (the day the window starts), at its start time, and ends at its end time
 * the same day or, crossing midnight, the next.
 */
export function windowAt(
  ruleName: string,
  index: number,
  window: DailyWindow,
  days: ReadonlySet<number>,
  clock: ZoneClock,
  nowMs: number,
): WindowInstance | undefined {
  const today = clock.dateOf(nowMs);
  for (const date of [today, addDays(today, -1)]) {
    if (!days.has(weekdayOf(date))) continue;
    const startMs = at(clock, date, window.startMinute);
    const endDate = window.endMinute > window.startMinute ? date : addDays(date, 1);
    const endMs = at(clock, endDate, window.endMinute);
    if (startMs <= nowMs && nowMs < endMs) {
      return { key: `${ruleName}|${index}|${startMs}`, startMs, endMs };
    }
  }
  return undefined;
}

function at(clock: ZoneClock, date: LocalDate, minute: number): number {
  return clock.instantOf(date, Math.floor(minute / 60), minute % 60);
}

/** The start of the next occurrence of `window` after `nowMs` (within the next eight days). */
export function nextWindowStart(
  window: DailyWindow,
  days: ReadonlySet<number>,
  clock: ZoneClock,
  nowMs: number,
): number {
  const today = clock.dateOf(nowMs);
  for (let d = 0; d <= 8; d++) {
    const date = addDays(today, d);
    if (!days.has(weekdayOf(date))) continue;
    const startMs = at(clock, date, window.startMinute);
    if (startMs > nowMs) return startMs;
  }
  return Number.POSITIVE_INFINITY;
}
