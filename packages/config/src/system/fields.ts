import { z } from "zod";

/** True for text usable inside an MQTT topic: no wildcards, no NUL. */
export const topicSafe = (text: string): boolean =>
  !/[#+]/.test(text) && !text.includes(String.fromCharCode(0));

/** One segment of a node path (Office, Room or Device): non-empty, no `/`, topic-safe. */
export const segment = z
  .string()
  .min(1)
  .refine((s) => !s.includes("/") && topicSafe(s), "must not contain / # + or NUL");

/** An IANA time zone this Node.js knows (`Europe/Lisbon`). */
export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "unknown IANA time zone" },
);

/** A TCP port; 0 lets the system pick a free one. */
export const port = z.number().int().min(0).max(65_535);
