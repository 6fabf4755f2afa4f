import { z } from "zod";

/** A daily window in local time, minutes after midnight; `endMinute < startMinute` crosses midnight. */
export interface TimeWindow {
  /** 0..1439: the first minute inside the window. */
  startMinute: number;
  /** 0..1439, never equal to `startMinute`: the first minute after the window. */
  endMinute: number;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Reads `"HH:MM-HH:MM"` (00:00 to 23:59, start and end different, e.g. `"20:30-08:30"`, which
 * crosses midnight). Undefined for anything else; the config schema accepts only what this reads.
 */
export function parseTimeWindow(text: string): TimeWindow | undefined {
  const m = WINDOW.exec(text);
  if (!m) return undefined;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  return startMinute === endMinute ? undefined : { startMinute, endMinute };
}

/** One entry of `windows`, with a message for each way it can be wrong. */
export const timeWindow = z
  .string()
  .refine((w) => WINDOW.test(w), 'must be "HH:MM-HH:MM" from 00:00 to 23:59, e.g. "20:30-08:30"')
  .refine(
    (w) => !WINDOW.test(w) || parseTimeWindow(w) !== undefined,
    "starts and ends at the same time: a window needs a length",
  );
