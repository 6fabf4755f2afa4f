import { z } from "zod";
import { topicSafe } from "./fields";

/** The level topics a roll-up source may name: the group totals an aggregator publishes. */
const SOURCE_LEVELS = {
  OfficeEnergyConsumed: 3,
  RoomEnergyConsumed: 4,
} as const;

/**
 * The level of a roll-up source filter (`office` or `room`), or a message saying why it is not
 * one: `<Company>/<Office or +>/OfficeEnergyConsumed` or
 * `<Company>/<Office or +>/<Room or +>/RoomEnergyConsumed`. The company segment is literal (a
 * source is always under one company); `#` is refused (it would also match the roll-up's own
 * output and every device topic).
 */
export function rollupSourceLevel(filter: string): "office" | "room" | { problem: string } {
  const segments = filter.split("/");
  const last = segments[segments.length - 1] as keyof typeof SOURCE_LEVELS;
  const depth = SOURCE_LEVELS[last];
  if (depth === undefined || segments.length !== depth) {
    return {
      problem:
        'must be "<Company>/<Office>/OfficeEnergyConsumed" or "<Company>/<Office>/<Room>/RoomEnergyConsumed" (+ allowed for Office and Room)',
    };
  }
  const [company, ...middle] = segments.slice(0, -1);
  if (company === undefined || company === "" || company === "+" || !topicSafe(company)) {
    return { problem: "its first segment must be the company name" };
  }
  for (const s of middle) {
    if (s === "" || (s !== "+" && !topicSafe(s))) {
      return { problem: "an Office or Room segment must be a name or +, never empty or #" };
    }
  }
  return depth === 3 ? "office" : "room";
}

/** An aggregator instance name (as `[company] instance`), and not the roll-up's own. */
const partitionName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,48}$/, "must be 1-48 letters, digits, - or _")
  .refine((s) => s !== "rollup", '"rollup" is the roll-up\'s own status topic');

/**
 * `[rollup]`: run the aggregator as a roll-up of other aggregator instances (partitions). It
 * reads their published group totals (`sources`) instead of devices and publishes the levels
 * above them. Absent: the ordinary device aggregator.
 */
export const rollupTable = z
  .strictObject({
    /**
     * Topic filters of the partitions' published totals, all of one level: office totals
     * (`"Coreflux/+/OfficeEnergyConsumed"`, the roll-up publishes the company) or room totals
     * (`"Coreflux/Porto/+/RoomEnergyConsumed"`, it publishes their offices and the company).
     */
    sources: z
      .array(
        z.string().superRefine((filter, ctx) => {
          const level = rollupSourceLevel(filter);
          if (typeof level === "object") ctx.addIssue({ code: "custom", message: level.problem });
        }),
      )
      .min(1, "needs at least one topic filter"),
    /**
     * `[company] instance` names of the partitions: their retained status
     * (`<Company>/aggregator/<instance>/status`) says whether the totals lag behind.
     */
    partitions: z
      .array(partitionName)
      .default([])
      .refine((names) => new Set(names).size === names.length, "names must be unique"),
    /** MQTT client id of the roll-up. Absent: `[mqtt] client_id` + `"-rollup"`. */
    client_id: z.string().min(1).max(128).optional(),
  })
  .superRefine((rollup, ctx) => {
    const levels = new Set(
      rollup.sources.map(rollupSourceLevel).filter((l) => typeof l === "string"),
    );
    if (levels.has("office") && levels.has("room")) {
      // An office total already contains its rooms: mixing the levels would count them twice.
      ctx.addIssue({
        code: "custom",
        path: ["sources"],
        message:
          "all sources must be of one level (all OfficeEnergyConsumed or all RoomEnergyConsumed)",
      });
    }
  })
  .optional();

/** The validated `[rollup]` table. */
export type RollupConfig = NonNullable<z.output<typeof rollupTable>>;

/**
 * Cross-table checks of `[rollup]` (a {@link ConfigCheck}): every source is under the company of
 * `[company] topic`, and the roll-up needs a broker URL (the partitions publish to a broker the
 * roll-up does not own).
 */
export function rollupChecks(config: {
  company: { name: string; partitioned: boolean };
  mqtt: { url?: string | undefined; urls?: string[] | undefined };
  rollup?: RollupConfig | undefined;
}): { path: (string | number)[]; message: string }[] {
  if (config.rollup === undefined) return [];
  const company = config.company.name;
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (config.company.partitioned) {
    issues.push({
      path: ["company", "topic"],
      message: `the roll-up publishes the company's totals: use "${company}/#" (the sources say what it reads)`,
    });
  }
  config.rollup.sources.forEach((filter, i) => {
    if (filter.split("/")[0] !== company) {
      issues.push({
        path: ["rollup", "sources", i],
        message: `must be under the company "${company}" of [company] topic`,
      });
    }
  });
  if (config.mqtt.url === undefined && config.mqtt.urls === undefined) {
    issues.push({
      path: ["rollup"],
      message:
        "the roll-up reads the partitions' broker: set [mqtt] url or urls (or COREFLUX_MQTT_URL); it starts no embedded broker",
    });
  }
  return issues;
}
