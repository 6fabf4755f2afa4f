import { describe, expect, it } from "vitest";
import { RPC_ERRORS } from "./rpc-frame";
import { MAX_SCHEDULE_CALLS, MAX_SCHEDULE_JOBS, ScheduleStore } from "./schedule-store";

const OFF = [{ method: "Switch.Set", params: { id: 0, on: false } }];

function created(store: ScheduleStore, timespec = "0 30 20 * * *"): number {
  const outcome = store.create({ enable: true, timespec, calls: OFF });
  if (!outcome.ok) throw new Error(outcome.message);
  return (outcome.result as { id: number }).id;
}

describe("ScheduleStore", () => {
  it("creates, lists, updates and deletes jobs, counting a revision per change", () => {
    const store = new ScheduleStore();
    expect(store.create({ timespec: "0 30 20 * * MON,TUE", calls: OFF })).toEqual({
      ok: true,
      result: { id: 1, rev: 1 },
    });
    expect(store.create({ enable: false, timespec: " 0 30 8 * * * ", calls: OFF })).toEqual({
      ok: true,
      result: { id: 2, rev: 2 },
    });
    expect(store.list()).toEqual({
      ok: true,
      result: {
        jobs: [
          { id: 1, enable: true, timespec: "0 30 20 * * MON,TUE", calls: OFF },
          { id: 2, enable: false, timespec: "0 30 8 * * *", calls: OFF },
        ],
        rev: 2,
      },
    });
    expect(store.update({ id: 1, enable: false, timespec: "0 0 21 * * *" })).toEqual({
      ok: true,
      result: { rev: 3 },
    });
    expect(store.snapshot()[0]).toEqual({
      id: 1,
      enable: false,
      timespec: "0 0 21 * * *",
      calls: OFF,
    });
    expect(store.delete({ id: 1 })).toEqual({ ok: true, result: { rev: 4 } });
    expect(store.snapshot().map((j) => j.id)).toEqual([2]);
    // Ids are never reused.
    expect(created(store)).toBe(3);
    expect(store.deleteAll()).toEqual({ ok: true, result: { rev: 6 } });
    expect(store.list()).toEqual({ ok: true, result: { jobs: [], rev: 6 } });
  });

  it(`refuses job ${MAX_SCHEDULE_JOBS + 1} with -108 (resource exhausted), as a Gen2 device does`, () => {
    const store = new ScheduleStore();
    for (let i = 0; i < MAX_SCHEDULE_JOBS; i++) created(store);
    const outcome = store.create({ timespec: "0 0 1 * * *", calls: OFF });
    expect(outcome).toMatchObject({ ok: false, code: RPC_ERRORS.resourceExhausted });
    expect(store.snapshot()).toHaveLength(MAX_SCHEDULE_JOBS);
    expect(store.rev).toBe(MAX_SCHEDULE_JOBS);
    store.delete({ id: 5 });
    expect(store.create({ timespec: "0 0 1 * * *", calls: OFF })).toEqual({
      ok: true,
      result: { id: MAX_SCHEDULE_JOBS + 1, rev: MAX_SCHEDULE_JOBS + 2 },
    });
  });

  it.each([
    [{ calls: OFF }, "Missing required 'timespec'"],
    [{ timespec: "0 0 1 * * *" }, "Missing required 'calls'"],
    [{ timespec: "0 0 1 * *", calls: OFF }, "Invalid timespec"],
    [{ timespec: 5, calls: OFF }, "Invalid argument 'timespec'"],
    [{ timespec: "0 0 1 * * *", calls: [] }, "Invalid argument 'calls'"],
    [{ timespec: "0 0 1 * * *", calls: [{ params: {} }] }, "Invalid argument 'calls'"],
    [
      { timespec: "0 0 1 * * *", calls: [{ method: "Switch.Set", params: 3 }] },
      "Invalid argument 'calls'",
    ],
    [
      { timespec: "0 0 1 * * *", calls: Array(MAX_SCHEDULE_CALLS + 1).fill(OFF[0]) },
      "Too many calls",
    ],
    [{ timespec: "0 0 1 * * *", calls: OFF, enable: "yes" }, "Invalid argument 'enable'"],
  ])("refuses a create with -103: %j", (params, message) => {
    const store = new ScheduleStore();
    const outcome = store.create(params as Record<string, unknown>);
    expect(outcome).toEqual({
      ok: false,
      code: RPC_ERRORS.invalidArgument,
      message: expect.stringContaining(message),
    });
    expect(store.rev).toBe(0);
  });

  it("accepts sunrise and sunset forms", () => {
    const store = new ScheduleStore();
    expect(store.create({ timespec: "@sunset-30 * * SUN,SAT", calls: OFF }).ok).toBe(true);
    expect(store.create({ timespec: "@noon * * *", calls: OFF }).ok).toBe(false);
  });

  it("answers -105 for an unknown id and -103 for a missing or bad one", () => {
    const store = new ScheduleStore();
    created(store);
    expect(store.update({ id: 9, enable: false })).toEqual({
      ok: false,
      code: RPC_ERRORS.notFound,
      message: "Bad id=9",
    });
    expect(store.delete({ id: 9 })).toMatchObject({ ok: false, code: RPC_ERRORS.notFound });
    expect(store.delete({})).toMatchObject({ ok: false, code: RPC_ERRORS.invalidArgument });
    expect(store.update({ id: "1" })).toMatchObject({
      ok: false,
      code: RPC_ERRORS.invalidArgument,
    });
    expect(store.update({ id: 1, calls: [] })).toMatchObject({
      ok: false,
      code: RPC_ERRORS.invalidArgument,
    });
    expect(store.rev).toBe(1);
  });

  it("keeps its own copies of the calls", () => {
    const store = new ScheduleStore();
    const calls = [{ method: "Switch.Set", params: { id: 0, on: false } }];
    store.create({ timespec: "0 0 1 * * *", calls });
    calls[0]!.params.on = true;
    const listed = store.snapshot();
    listed[0]!.calls[0]!.params!.id = 3;
    expect(store.snapshot()[0]!.calls).toEqual(OFF);
  });
});
