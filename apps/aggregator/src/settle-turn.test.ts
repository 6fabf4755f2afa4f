import { describe, expect, it } from "vitest";
import {
  GROWTH_AFTER_MS,
  MAX_GROWTH_DEFERRALS,
  SETTLE_TURN_BUDGET_MS,
  SettleTurns,
  type SettleWork,
} from "./settle-turn";

/**
 * Work whose steps take scripted times on a fake clock and report scripted results; records
 * each call (with the budget crediting was given).
 */
function scripted(script: {
  settle?: Array<[ms: number, more: boolean]>;
  credit?: Array<[ms: number, more: boolean]>;
  grow?: Array<[ms: number, more: boolean]>;
}) {
  let nowMs = 0;
  const calls: string[] = [];
  const step = (name: "settle" | "credit" | "grow", label: string = name) => {
    const [ms, more] = script[name]?.shift() ?? [0, false];
    nowMs += ms;
    calls.push(label);
    return more;
  };
  const work: SettleWork = {
    settle: () => step("settle"),
    credit: (budgetMs) => step("credit", `credit(${budgetMs})`),
    grow: () => step("grow"),
  };
  const turns = new SettleTurns(work, SETTLE_TURN_BUDGET_MS, () => nowMs);
  return { turns, calls };
}

describe("SettleTurns", () => {
  it("does nothing else in a turn that leaves devices waiting", () => {
    const { turns, calls } = scripted({ settle: [[2, true]] });
    expect(turns.turn()).toBe(true);
    expect(calls).toEqual(["settle"]);
  });

  it("gives crediting what settling left of the share, and none when settling used it", () => {
    const a = scripted({ settle: [[2, false]], credit: [[3, true]] });
    expect(a.turns.turn()).toBe(true);
    expect(a.calls).toEqual(["settle", `credit(${SETTLE_TURN_BUDGET_MS - 2})`]);

    const b = scripted({ settle: [[SETTLE_TURN_BUDGET_MS + 2, false]] });
    expect(b.turns.turn()).toBe(true);
    expect(b.calls).toEqual(["settle"]);
    // The next turn, with little to settle, credits with nearly the whole share.
    expect(b.turns.turn()).toBe(false);
    expect(b.calls).toEqual(["settle", "settle", `credit(${SETTLE_TURN_BUDGET_MS})`, "grow"]);
  });

  it("leaves growth to a turn that has used almost nothing, and ends the chain when none is due", () => {
    const { turns, calls } = scripted({
      settle: [[0, false]],
      credit: [[GROWTH_AFTER_MS + 1, false]],
      grow: [[4, true]],
    });
    expect(turns.turn()).toBe(true);
    expect(calls).toEqual(["settle", `credit(${SETTLE_TURN_BUDGET_MS})`]);
    expect(turns.turn()).toBe(true);
    expect(calls.slice(2)).toEqual(["settle", `credit(${SETTLE_TURN_BUDGET_MS})`, "grow"]);
    expect(turns.turn()).toBe(false);
  });

  it("never skips growth more than a few turns in a row, and then grows alone", () => {
    const busy: [number, boolean] = [GROWTH_AFTER_MS + 1, false];
    const { turns, calls } = scripted({
      credit: Array.from({ length: MAX_GROWTH_DEFERRALS }, () => busy),
      grow: [[4, false]],
    });
    for (let i = 0; i < MAX_GROWTH_DEFERRALS; i++) expect(turns.turn()).toBe(true);
    expect(calls.filter((c) => c === "grow")).toHaveLength(0);
    // This turn is growth's own: no settling, no crediting; the chain goes on.
    const before = calls.length;
    expect(turns.turn()).toBe(true);
    expect(calls.slice(before)).toEqual(["grow"]);
    // The count starts again; a turn with nothing to do (and no growth due) ends the chain.
    expect(turns.turn()).toBe(false);
    expect(calls.slice(before + 1)).toEqual(["settle", `credit(${SETTLE_TURN_BUDGET_MS})`, "grow"]);
  });

  it("lets growth run while a fleet appearing keeps settling busy for many turns", () => {
    const { turns, calls } = scripted({
      settle: Array.from({ length: 20 }, (): [number, boolean] => [2, true]),
    });
    for (let i = 0; i < 9; i++) expect(turns.turn()).toBe(true);
    expect(calls).toEqual(
      Array.from({ length: 3 }, () => [
        ...Array.from({ length: MAX_GROWTH_DEFERRALS }, () => "settle"),
        "grow",
      ]).flat(),
    );
  });

  it("lets growth run while a backlog of credits keeps crediting busy for many turns", () => {
    const { turns, calls } = scripted({
      credit: Array.from({ length: 20 }, (): [number, boolean] => [SETTLE_TURN_BUDGET_MS, true]),
    });
    for (let i = 0; i < 6; i++) expect(turns.turn()).toBe(true);
    const creditTurn = ["settle", `credit(${SETTLE_TURN_BUDGET_MS})`];
    expect(calls).toEqual(
      Array.from({ length: 2 }, () => [
        ...Array.from({ length: MAX_GROWTH_DEFERRALS }, () => creditTurn).flat(),
        "grow",
      ]).flat(),
    );
  });
});
