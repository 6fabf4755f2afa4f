import { appendFileSync } from "node:fs";

/**
 * Prints a test's figures (messages, faults, kills, time, memory) as one JSON line, and appends
 * it to the file named by `RELIABILITY_REPORT` when set: RELIABILITY.md quotes these.
 */
export function report(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, at: new Date().toISOString(), ...figures });
  console.log(`[reliability] ${line}`);
  const file = process.env.RELIABILITY_REPORT;
  if (file !== undefined && file !== "") appendFileSync(file, `${line}\n`);
}
