import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AutomationEngine,
  type AutomationEvent,
  type AutomationOptions,
  parseWindow,
  type SwitchOffCommand,
  WEEKDAYS,
  windowAt,
  ZoneClock,
} from "../src";

const S = 1000;
const CONFIRM_MS = 30 * S;
const PATHS = [
  "Porto/Office/Lamp",
  "Porto/Office/Desk",
  "Porto/Kitchen/Fridge",
  "Lisboa/Lab/Heater",
];
const RULE = {
  name: "evening",
  match: ["**"],
  except: ["*/Kitchen/Fridge"],
  windows: ["20:30-08:30", "12:00-12:20"],
  days: ["mon", "tue", "wed", "thu", "fri"] as const,
  timeZone: "Europe/Lisbon",
};
const OPTIONS: AutomationOptions = {
  rules: [{ ...RULE, days: [...RULE.days] }],
  confirmTimeoutMs: CONFIRM_MS,
  retryBackoffMs: 5 * S,
  maxAttempts: 3,
  maxCommandsPerSecond: 2,
};
const clock = new ZoneClock(RULE.timeZone);
const windows = RULE.windows.map(parseWindow);
const days = new Set(RULE.days.map((d) => WEEKDAYS.indexOf(d)));
/** The open occurrence of the rule's windows at `tsMs`, by key, if any. */
const openAt = (tsMs: number) => {
  for (let i = 0; i < windows.length; i++) {
    const w = windowAt(RULE.name, i, windows[i]!, days, clock, tsMs);
    if (w !== undefined) return w;
  }
  return undefined;
};

/** What happens between ticks: a device reports, a person acts, a device goes away, time passes. */
type Step =
  | { kind: "wait"; ms: number }
  | { kind: "person"; path: number; channel: number; on: boolean }
  | { kind: "availability"; path: number; online: boolean }
  | { kind: "refuse"; path: number; channel: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      ms: fc.integer({ min: 1, max: 40 * 60 * S }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("person" as const),
      path: fc.nat(PATHS.length - 1),
      channel: fc.nat(1),
      on: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("availability" as const),
      path: fc.nat(PATHS.length - 1),
      online: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("refuse" as const),
      path: fc.nat(PATHS.length - 1),
      channel: fc.nat(1),
    }),
  },
);

interface Run {
  commands: SwitchOffCommand[];
  events: AutomationEvent[];
  /** Online state of each path when each command was sent. */
  onlineAtCommand: boolean[];
}

/**
 * Drives an engine through `steps` with devices that obey some commands (after a delay), ignore
 * others, and people who switch channels on and off; ends with two quiet days.
 */
function run(steps: readonly Step[], startMs: number, obeys: readonly boolean[]): Run {
  const engine = new AutomationEngine(OPTIONS);
  const out: Run = { commands: [], events: [], onlineAtCommand: [] };
  const online = new Map(PATHS.map((p) => [p, true]));
  const due: { atMs: number; path: string; channel: number }[] = [];
  let now = startMs;
  let obeyIndex = 0;
  const tick = () => {
    for (let i = due.length - 1; i >= 0; i--) {
      const d = due[i]!;
      if (d.atMs <= now) {
        engine.status(d.path, d.channel, false, "MQTT", d.atMs);
        due.splice(i, 1);
      }
    }
    const o = engine.tick(now);
    for (const c of o.commands) {
      out.commands.push(c);
      out.onlineAtCommand.push(online.get(c.path)!);
      if (obeys[obeyIndex++ % obeys.length])
        due.push({ atMs: now + (obeyIndex % 3) * 7 * S, path: c.path, channel: c.channel });
    }
    out.events.push(...o.events);
  };
  for (const p of PATHS) for (const ch of [0, 1]) engine.status(p, ch, true, "init", now);
  for (const step of steps) {
    if (step.kind === "wait") {
      // Tick every 10 s through the wait, as the service does.
      const until = now + step.ms;
      while (now < until) {
        now = Math.min(until, now + 10 * S);
        tick();
      }
      continue;
    }
    const path = PATHS[step.path]!;
    if (step.kind === "person") engine.status(path, step.channel, step.on, "button", now);
    else if (step.kind === "availability") {
      online.set(path, step.online);
      engine.availability(path, step.online);
    } else engine.commandFailed(path, step.channel, now);
    tick();
  }
  for (const p of PATHS) {
    online.set(p, true);
    engine.availability(p, true);
  }
  for (let i = 0; i < 2 * 24 * 60; i++) {
    now += 60 * S;
    tick();
  }
  return out;
}

const starts = fc.integer({
  min: Date.parse("2026-03-26T00:00:00Z"),
  max: Date.parse("2026-04-02T00:00:00Z"),
});
const scenario = fc.tuple(
  fc.array(stepArb, { maxLength: 40 }),
  starts,
  fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
);
const key = (x: { path: string; channel: number }) => `${x.path}#${x.channel}`;

describe("AutomationEngine properties", { timeout: 120_000 }, () => {
  it("never two outstanding commands per channel", () => {
    fc.assert(
      fc.property(scenario, ([steps, start, obeys]) => {
        const { commands, events } = run(steps, start, obeys);
        const last = new Map<string, number>();
        const settled = new Map<string, number>(); // last confirmed/failed per channel
        const timeline = [
          ...commands.map((c) => ({ t: c.tsMs, kind: "command" as const, k: key(c) })),
          ...events
            .filter((e) => e.event === "confirmed" || e.event === "failed")
            .map((e) => ({ t: e.tsMs, kind: "settled" as const, k: key(e) })),
        ].sort((a, b) => a.t - b.t || (a.kind === "settled" ? -1 : 1));
        for (const x of timeline) {
          if (x.kind === "settled") {
            settled.set(x.k, x.t);
            continue;
          }
          const previous = last.get(x.k);
          if (previous !== undefined && (settled.get(x.k) ?? -1) < previous) {
            // The previous command was neither confirmed nor given up: only its timeout allows another.
            expect(x.t - previous).toBeGreaterThanOrEqual(CONFIRM_MS);
          }
          last.set(x.k, x.t);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("never a command outside a window, to an excepted, offline or overridden channel", () => {
    fc.assert(
      fc.property(scenario, ([steps, start, obeys]) => {
        const { commands, events, onlineAtCommand } = run(steps, start, obeys);
        const overriddenIn = new Map<string, string>(); // channel → window key of its override
        const timeline = [
          ...commands.map((c, i) => ({ t: c.tsMs, c, i, e: undefined })),
          ...events
            .filter((e) => e.event === "override")
            .map((e) => ({ t: e.tsMs, c: undefined, i: -1, e })),
        ].sort((a, b) => a.t - b.t || (a.e ? -1 : 1));
        for (const x of timeline) {
          if (x.e !== undefined) {
            overriddenIn.set(key(x.e), openAt(x.t)?.key ?? "");
            continue;
          }
          const c = x.c!;
          const open = openAt(c.tsMs);
          expect(open, `command at ${new Date(c.tsMs).toISOString()}`).toBeDefined();
          expect(c.path).not.toMatch(/Kitchen\/Fridge/);
          expect(onlineAtCommand[x.i]).toBe(true);
          expect(overriddenIn.get(key(c))).not.toBe(open!.key);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("every command ends confirmed or failed", () => {
    fc.assert(
      fc.property(scenario, ([steps, start, obeys]) => {
        const { commands, events } = run(steps, start, obeys);
        for (const c of commands) {
          const ended = events.some(
            (e) =>
              key(e) === key(c) &&
              (e.event === "confirmed" || e.event === "failed") &&
              e.tsMs >= c.tsMs,
          );
          const retried = commands.some((d) => key(d) === key(c) && d.tsMs > c.tsMs);
          expect(ended || retried, `${key(c)} at ${new Date(c.tsMs).toISOString()}`).toBe(true);
        }
        // And at most max_attempts commands per channel and window.
        const perWindow = new Map<string, number>();
        for (const c of commands) {
          const k = `${key(c)}@${openAt(c.tsMs)!.key}`;
          perWindow.set(k, (perWindow.get(k) ?? 0) + 1);
        }
        // An override that ends, or an MQTT "on", starts a new series in the same window; here
        // neither happens (people use the button, overrides last the window), so 3 is the cap.
        for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(3);
      }),
      { numRuns: 100 },
    );
  });
});
