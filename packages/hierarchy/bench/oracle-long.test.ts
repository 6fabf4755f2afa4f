// The oracle's long run: scenarios until ORACLE_READINGS counter readings (default 10,000,000)
// went through the engine and the ideal accountant. Writes its figures as JSON to ORACLE_OUT.
// Run it with `node bench/oracle.mjs` (which prints that JSON as its last line).
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { expect, it } from "vitest";
import { scenarioArb } from "../test/oracle/arbitraries";
import { runOracle } from "../test/oracle/run-oracle";
import { addStats, emptyStats } from "../test/oracle/stats";

const targetReadings = Number(process.env.ORACLE_READINGS ?? 10_000_000);
const outPath = process.env.ORACLE_OUT;
const seed = Number(process.env.ORACLE_SEED ?? 20_261_205);
/** Failures kept (with one trace each) for the report. */
const MAX_EXAMPLES = 5;

it(`engine equals the ideal accountant over ${targetReadings} readings`, () => {
  const started = performance.now();
  const stats = emptyStats();
  const examples: string[] = [];
  const scenarios = scenarioArb({ minReadings: 5_000, maxReadings: 60_000 });
  for (let batch = 0; stats.readings < targetReadings; batch++) {
    for (const params of fc.sample(scenarios, { numRuns: 16, seed: seed + batch })) {
      const result = runOracle(params, {
        checkEveryCycles: 120,
        maxTraces: examples.length < MAX_EXAMPLES ? 1 : 0,
      });
      addStats(stats, result.stats);
      for (const f of result.failures) {
        if (examples.length < MAX_EXAMPLES)
          examples.push(`[${f.check}] ${f.message}${f.trace ? `\n${f.trace}` : ""}`);
      }
      if (stats.readings >= targetReadings) break;
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const report = {
    benchmark: "oracle",
    seed,
    readings: stats.readings,
    scenarios: stats.scenarios,
    messages: stats.messages,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    readingsPerSecond: Math.round(stats.readings / wallSeconds),
    mismatches: stats.mismatches,
    mismatchesBySuspect: stats.mismatchesBySuspect,
    ambiguities: stats.ambiguities,
    explainedMwh: stats.explainedMwh,
    unobservableMwh: stats.unobservableMwh,
    unobservableBoundMwh: stats.unobservableBoundMwh,
    truthMwh: stats.truthMwh,
    accountantMwh: stats.accountantMwh,
    engineMwh: stats.engineMwh,
    faults: stats.faults,
    events: stats.events,
    examples,
  };
  if (outPath) writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  expect(stats.mismatches, examples.join("\n\n")).toBe(0);
});
