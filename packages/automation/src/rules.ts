import { AutomationError } from "./errors";
import { PathGlob } from "./path-glob";
import type { AutomationRule } from "./types";
import {
  type DailyWindow,
  nextWindowStart,
  parseWindow,
  WEEKDAYS,
  type WindowInstance,
  windowAt,
} from "./window";
import { ZoneClock } from "./zone-clock";

/** A rule, checked and compiled. */
export interface CompiledRule {
  name: string;
  match: PathGlob[];
  except: PathGlob[];
  windows: DailyWindow[];
  days: Set<number>;
  clock: ZoneClock;
  dryRun: boolean;
  /** The last answer of {@link activeWindow}, valid from `fromMs` until `untilMs`. */
  cache: { fromMs: number; untilMs: number; open: WindowInstance | undefined } | undefined;
}

/** Checks and compiles rules; throws {@link AutomationError} `INVALID_RULE` naming the rule. */
export function compileRules(rules: readonly AutomationRule[]): CompiledRule[] {
  const names = new Set<string>();
  return rules.map((rule) => {
    const where = `rule "${rule.name}"`;
    if (typeof rule.name !== "string" || rule.name.length === 0) {
      throw new AutomationError("INVALID_RULE", "every rule needs a name");
    }
    if (names.has(rule.name)) throw new AutomationError("INVALID_RULE", `${where} is named twice`);
    names.add(rule.name);
    if (rule.windows.length === 0)
      throw new AutomationError("INVALID_RULE", `${where} has no window`);
    try {
      const days = new Set<number>();
      for (const day of rule.days ?? WEEKDAYS) {
        const index = WEEKDAYS.indexOf(day);
        if (index < 0)
          throw new AutomationError("INVALID_RULE", `unknown day "${day}" (mon ... sun)`);
        days.add(index);
      }
      return {
        name: rule.name,
        match: (rule.match ?? ["**"]).map((g) => new PathGlob(g)),
        except: (rule.except ?? []).map((g) => new PathGlob(g)),
        windows: rule.windows.map(parseWindow),
        days,
        clock: new ZoneClock(rule.timeZone),
        dryRun: rule.dryRun === true,
        cache: undefined,
      };
    } catch (error) {
      if (error instanceof AutomationError) {
        throw new AutomationError("INVALID_RULE", `${where}: ${error.message}`);
      }
      throw error;
    }
  });
}

/**
 * The occurrence of one of `rule`'s windows that contains `nowMs`, if any. The answer holds until
 * the open window ends or the next one starts, so ticks in between cost a comparison.
 */
export function activeWindow(rule: CompiledRule, nowMs: number): WindowInstance | undefined {
  const cached = rule.cache;
  if (cached !== undefined && nowMs >= cached.fromMs && nowMs < cached.untilMs) return cached.open;
  let open: WindowInstance | undefined;
  for (let i = 0; i < rule.windows.length && open === undefined; i++) {
    open = windowAt(rule.name, i, rule.windows[i]!, rule.days, rule.clock, nowMs);
  }
  let untilMs = Number.POSITIVE_INFINITY;
  for (const window of rule.windows) {
    untilMs = Math.min(untilMs, nextWindowStart(window, rule.days, rule.clock, nowMs));
  }
  if (open !== undefined) untilMs = Math.min(untilMs, open.endMs);
  rule.cache = { fromMs: nowMs, untilMs, open };
  return open;
}

/** How a rule relates to a path: it governs it, excepts it, or does not match it. */
export type Relation = "governs" | "excepts" | "none";

/** {@link Relation} of `rule` to `path`. */
export function relationOf(rule: CompiledRule, path: string): Relation {
  if (!rule.match.some((g) => g.matches(path))) return "none";
  return rule.except.some((g) => g.matches(path)) ? "excepts" : "governs";
}
