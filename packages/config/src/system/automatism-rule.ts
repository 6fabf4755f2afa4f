import { z } from "zod";
import { timeZone } from "./fields";
import { pathGlob } from "./path-glob";
import { timeWindow } from "./time-window";

/** The days of `days`, Monday first. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** One day of {@link WEEKDAYS}. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Reports the second and later copies of a value, each at its own index. */
function noRepeats<T>(what: string) {
  return (values: readonly T[], ctx: z.RefinementCtx) => {
    values.forEach((value, index) => {
      if (values.indexOf(value) < index)
        ctx.addIssue({
          code: "custom",
          path: [index],
          message: `${what} "${value}" is listed twice`,
        });
    });
  };
}

/** `[[automatism.rules]]`: which channels are switched off, and when. */
export const automatismRule = z.strictObject({
  /** Names the rule in events and logs; unique across the rules. */
  name: z.string().min(1, "must not be empty"),
  /** Path globs over "Office/Room/Device" (`*` one level, `**` any depth). */
  match: z.array(pathGlob).min(1, "must list at least one glob").default(["**"]),
  /** Globs of devices the rule leaves alone (a fridge, a server rack), as `match`. */
  except: z.array(pathGlob).default([]),
  /** Local times, "HH:MM-HH:MM"; crossing midnight allowed ("20:30-08:30"). */
  windows: z.array(timeWindow).min(1, "must list at least one window"),
  /** The days a window may start on. */
  days: z
    .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }))
    .min(1, "must list at least one day")
    .superRefine(noRepeats("day"))
    .default([...WEEKDAYS]),
  /** IANA zone of the windows. Absent: `[accounting] time_zone`, else the machine's zone. */
  time_zone: timeZone.optional(),
  /** Decide and report everything, send nothing. */
  dry_run: z.boolean().default(false),
});

/** The rules, whose names must differ: a repeated name is reported at its own `name` line. */
export const automatismRules = z
  .array(automatismRule)
  .superRefine((rules, ctx) => {
    rules.forEach((rule, index) => {
      const first = rules.findIndex((r) => r.name === rule.name);
      if (first < index) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `"${rule.name}" is already the name of automatism.rules[${first}]`,
        });
      }
    });
  })
  .default([]);
