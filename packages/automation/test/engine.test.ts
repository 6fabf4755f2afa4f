import { describe, expect, it } from "vitest";
import { AutomationEngine, type AutomationOptions } from "../src";

const T = Date.parse("2026-12-04T21:00:00Z"); // Friday 21:00 in Lisbon: inside 20:30-08:30
const S = 1000;
const rules: AutomationOptions["rules"] = [
  {
    name: "after-hours",
    match: ["**"],
    except: ["*/Kitchen/Fridge", "**/Server*"],
    windows: ["20:30-08:30"],
    timeZone: "Europe/Lisbon",
  },
];
const engine = (extra: Partial<AutomationOptions> = {}) =>
  new AutomationEngine({
    rules,
    confirmTimeoutMs: 30 * S,
    retryBackoffMs: 5 * S,
    maxAttempts: 3,
    ...extra,
  });

describe("AutomationEngine", () => {
  it("switches an on channel off once and confirms it", () => {
    const e = engine();
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    const first = e.tick(T);
    expect(first.commands).toEqual([
      { path: "Porto/Office/Lamp", channel: 0, rule: "after-hours", attempt: 1, tsMs: T },
    ]);
    expect(first.events.map((x) => x.event)).toEqual(["commanded"]);
    expect(e.tick(T + 10 * S).commands).toEqual([]); // one outstanding command at most
    e.status("Porto/Office/Lamp", 0, false, "MQTT", T + 11 * S);
    expect(e.tick(T + 12 * S).events).toMatchObject([{ event: "confirmed", attempt: 1 }]);
    expect(e.tick(T + 3600 * S).commands).toEqual([]);
  });

  it("every switch channel counts (a Pro 4PM has four); off channels are left alone", () => {
    const e = engine();
    for (const ch of [0, 1, 2, 3]) e.status("Lisboa/Lab/Pro4PM", ch, ch !== 2, "init", T);
    expect(e.tick(T).commands.map((c) => c.channel)).toEqual([0, 1, 3]);
  });

  it("never commands outside a window, an excepted channel (reported once), or an offline device", () => {
    const e = engine();
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    e.status("Porto/Kitchen/Fridge", 0, true, "init", T);
    e.status("Lisboa/Rack/Server1", 0, true, "init", T);
    e.status("Porto/Office/Heater", 0, true, "init", T);
    e.availability("Porto/Office/Heater", false);
    const noon = Date.parse("2026-12-04T12:00:00Z");
    expect(e.tick(noon).commands).toEqual([]);
    const out = e.tick(T);
    expect(out.commands.map((c) => c.path)).toEqual(["Porto/Office/Lamp"]);
    expect(out.events.filter((x) => x.event === "excepted").map((x) => x.path)).toEqual([
      "Porto/Kitchen/Fridge",
      "Lisboa/Rack/Server1",
    ]);
    expect(e.tick(T + S).events).toEqual([]);
    // The heater comes back inside the window: handled like any other.
    e.availability("Porto/Office/Heater", true);
    expect(e.tick(T + 2 * S).commands.map((c) => c.path)).toEqual(["Porto/Office/Heater"]);
  });

  it("a device that ignores commands gets exactly max_attempts, with doubling backoff, then one failed", () => {
    const e = engine();
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    const sent: number[] = [];
    const events: string[] = [];
    for (let t = T; t < T + 600 * S; t += S) {
      const out = e.tick(t);
      sent.push(...out.commands.map((c) => (c.tsMs - T) / S));
      events.push(...out.events.map((x) => x.event));
    }
    // 0: first; 30 s later unconfirmed, +5 s backoff: 35; 35 + 30 + 10: 75.
    expect(sent).toEqual([0, 35, 75]);
    expect(events).toEqual(["commanded", "retried", "retried", "failed"]);
  });

  it("a person wins: an override is reported once and respected until the window ends", () => {
    const e = engine();
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    e.tick(T);
    e.status("Porto/Office/Lamp", 0, false, "MQTT", T + S);
    e.status("Porto/Office/Lamp", 0, true, "button", T + 60 * S);
    const out = e.tick(T + 61 * S);
    expect(out.events).toMatchObject([
      { event: "confirmed" },
      { event: "override", reason: "switched on again by button" },
    ]);
    for (let t = T + 62 * S; t < Date.parse("2026-12-05T08:30:00Z"); t += 600 * S) {
      expect(e.tick(t).commands).toEqual([]);
    }
    // The next evening's window is a new one.
    expect(e.tick(Date.parse("2026-12-05T21:00:00Z")).commands).toHaveLength(1);
  });

  it("override_minutes: an override holds only that long", () => {
    const e = engine({ overrideMs: 600 * S });
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    e.tick(T);
    e.status("Porto/Office/Lamp", 0, false, "MQTT", T + S);
    e.status("Porto/Office/Lamp", 0, true, "WS_in", T + 60 * S);
    expect(e.tick(T + 500 * S).commands).toEqual([]);
    expect(e.tick(T + 661 * S).commands).toMatchObject([{ attempt: 1 }]);
  });

  it("dry run decides and reports, sends nothing", () => {
    const e = new AutomationEngine({ rules: [{ ...rules[0]!, dryRun: true }] });
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    const out = e.tick(T);
    expect(out.commands).toEqual([]);
    expect(out.events).toMatchObject([{ event: "dry-run", path: "Porto/Office/Lamp" }]);
    expect(e.tick(T + 60 * S).events).toEqual([]);
  });

  it("spreads a window start over a large fleet: max_commands_per_second", () => {
    const e = engine({ maxCommandsPerSecond: 50 });
    for (let i = 0; i < 200; i++) e.status(`Porto/Room${i % 10}/Plug${i}`, 0, true, "init", T);
    const perSecond: number[] = [];
    for (let s = 0; s < 5; s++) perSecond.push(e.tick(T + s * S).commands.length);
    expect(perSecond).toEqual([50, 50, 50, 50, 0]);
  });

  it("a restart inside a window keeps attempts, confirmations and overrides", () => {
    const e = engine();
    e.status("Porto/Office/Lamp", 0, true, "init", T);
    e.status("Porto/Office/Desk", 0, true, "init", T);
    e.tick(T);
    e.status("Porto/Office/Lamp", 0, false, "MQTT", T + S);
    e.status("Porto/Office/Lamp", 0, true, "button", T + 2 * S);
    e.tick(T + 3 * S);
    const restored = AutomationEngine.restore(JSON.parse(JSON.stringify(e.snapshot())), {
      rules,
      confirmTimeoutMs: 30 * S,
      retryBackoffMs: 5 * S,
    });
    // The lamp stays overridden; the desk's first command is still out, and is retried in time.
    expect(restored.tick(T + 10 * S).commands).toEqual([]);
    expect(restored.tick(T + 36 * S).commands).toMatchObject([
      { path: "Porto/Office/Desk", attempt: 2 },
    ]);
    expect(() => AutomationEngine.restore({ format: "other" }, { rules })).toThrow(/snapshot/);
  });

  it("refuses bad rules and options with typed errors", () => {
    const bad = (r: Partial<AutomationOptions["rules"][number]>) => () =>
      new AutomationEngine({ rules: [{ ...rules[0]!, ...r }] });
    expect(bad({ windows: ["25:00-08:00"] })).toThrow(
      expect.objectContaining({ code: "INVALID_RULE" }),
    );
    expect(bad({ windows: ["08:00-08:00"] })).toThrow(/same time/);
    expect(bad({ days: ["fri", "someday" as never] })).toThrow(/unknown day/);
    expect(bad({ timeZone: "Mars/Olympus" })).toThrow(/time zone/);
    expect(() => new AutomationEngine({ rules: [rules[0]!, rules[0]!] })).toThrow(/named twice/);
    expect(() => new AutomationEngine({ rules, maxAttempts: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
