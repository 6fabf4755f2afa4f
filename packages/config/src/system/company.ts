import { z } from "zod";
import { topicSafe } from "./fields";

/** Levels a partition's subtree root can be at: the company, an office, a room. */
const MAX_ROOT_SEGMENTS = 3;

/**
 * The path a company topic filter stands for (`Coreflux/#` → `["Coreflux"]`,
 * `Coreflux/Porto/#` → `["Coreflux", "Porto"]`), or a message saying what is wrong with it.
 */
export function subtreeRoot(filter: string): string[] | { problem: string } {
  const example = 'must be "<Company>/#" or a subtree such as "<Company>/<Office>/#"';
  if (!filter.endsWith("/#")) return { problem: example };
  const segments = filter.slice(0, -2).split("/");
  if (segments.length > MAX_ROOT_SEGMENTS) {
    return { problem: "a subtree goes down to a room at most (<Company>/<Office>/<Room>/#)" };
  }
  if (segments.some((s) => s === "" || !topicSafe(s))) {
    return { problem: `${example}, without empty segments or wildcards other than the final #` };
  }
  return segments;
}

/** An instance name: a topic segment made of letters, digits, `-` and `_`. */
export const instanceName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,48}$/, "must be 1-48 letters, digits, - or _");

/** `[company]` as written in the file. */
const companyInput = z.strictObject({
  /**
   * MQTT topic filter of what this instance aggregates: `<Company>/#` (the whole company, as in
   * the original service) or a subtree (`<Company>/<Office>/#`, `<Company>/<Office>/<Room>/#`).
   */
  topic: z.string().optional(),
  /** Several subtrees of one company (instead of `topic`). */
  topics: z.array(z.string()).min(1, "needs at least one topic filter").optional(),
  /**
   * The instance's name among the partitions of the company: in its status topic
   * (`<Company>/aggregator/<instance>/status`) and its default client id. Absent: the subtree
   * roots below the company (`Porto`; `Porto-Room1_Lisbon` for two; other characters than
   * letters, digits, `-` and `_` become `_`).
   */
  instance: instanceName.optional(),
});

/** The validated `[company]` table, with the filters resolved to subtree roots. */
export interface CompanyConfig {
  /** The first topic filter (`[company] topic`, or the first of `topics`). */
  topic: string;
  /** Every topic filter this instance subscribes to for devices. */
  topics: string[];
  /** The company name: the first segment of every filter. */
  name: string;
  /** Each filter's subtree root, company first (`["Coreflux"]` for the whole company). */
  roots: string[][];
  /** True when this instance owns subtrees, not the whole company. */
  partitioned: boolean;
  /** The instance name: `[company] instance`, or one made of the roots; undefined when whole. */
  instance: string | undefined;
}

/** `[company]`: the one required table. Its filters' first segment is the company name. */
export const companyTable = companyInput.transform((input, ctx): CompanyConfig => {
  if ((input.topic === undefined) === (input.topics === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: input.topic === undefined ? ["topic"] : ["topics"],
      message:
        input.topic === undefined
          ? 'is required: "<Company>/#", e.g. "Coreflux/#" (or topics = [...] for several subtrees)'
          : "set either topic or topics, not both",
    });
    return z.NEVER;
  }
  const filters = input.topics ?? [input.topic as string];
  const key = input.topics === undefined ? "topic" : "topics";
  const roots: string[][] = [];
  filters.forEach((filter, i) => {
    const root = subtreeRoot(filter);
    const path = key === "topic" ? [key] : [key, i];
    if (!Array.isArray(root)) {
      ctx.addIssue({ code: "custom", path, message: root.problem });
      return;
    }
    if (roots.length > 0 && root[0] !== roots[0]![0]) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `every filter must be under the same company ("${roots[0]![0]}")`,
      });
      return;
    }
    const overlap = roots.find((other) => isWithin(root, other) || isWithin(other, root));
    if (overlap !== undefined) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `overlaps "${overlap.join("/")}/#": a device would be counted twice`,
      });
      return;
    }
    roots.push(root);
  });
  if (roots.length !== filters.length) return z.NEVER;
  const partitioned = roots.some((root) => root.length > 1);
  if (!partitioned && input.instance !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["instance"],
      message: "names a partition: only for a subtree topic (the whole company is one instance)",
    });
    return z.NEVER;
  }
  return {
    topic: filters[0]!,
    topics: filters,
    name: roots[0]![0]!,
    roots,
    partitioned,
    instance: partitioned
      ? (input.instance ??
        roots
          .map((root) => root.slice(1).join("-"))
          .join("_")
          .replace(/[^A-Za-z0-9_-]/g, "_")
          .slice(0, 48))
      : undefined,
  };
});

/** True when `path` is `root` or below it. */
export function isWithin(path: readonly string[], root: readonly string[]): boolean {
  return path.length >= root.length && root.every((segment, i) => path[i] === segment);
}
