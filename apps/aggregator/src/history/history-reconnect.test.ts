import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEnergyEngine } from "@coreflux/hierarchy";
import { openHistory } from "@coreflux/history";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { HistoryOutput } from "./history-output";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Log lines as objects, for counting messages. */
function memoryLog() {
  const lines: { msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, count: (msg: string) => lines.filter((l) => l.msg.startsWith(msg)).length };
}

const waitFor = async (check: () => boolean, what: string, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("history output reconnecting", () => {
  it("treats a database that cannot be used on a reconnect as the same outage, and recovers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "coreflux-history-reconnect-"));
    dirs.push(dir);
    const file = join(dir, "history.db");
    // A directory where the file goes: the start cannot open it (an outage, not a stop).
    mkdirSync(file);
    const { log, count } = memoryLog();
    const output = await HistoryOutput.start(
      createEnergyEngine({ timeZone: "Europe/Lisbon", creditSlotMinutes: 15 }),
      {
        open: {
          url: `sqlite:${file}`,
          company: "Coreflux",
          periodMinutes: 15,
          timeZone: "Europe/Lisbon",
        },
        keepFineDays: 35,
        spillPath: join(dir, "spill"),
        maxMemoryRows: 1_000,
      },
      log,
      () => Date.now(),
      undefined,
    );
    try {
      expect(output.statistics.up).toBe(false);
      expect(count("history database unavailable")).toBe(1);
      // Now a history of another company there: the retry's open refuses it
      // (SETTINGS_MISMATCH). Thrown from a retry nobody awaits, that was an unhandled rejection,
      // and the service exited.
      rmSync(file, { recursive: true });
      const other = await openHistory({
        url: `sqlite:${file}`,
        company: "Other",
        periodMinutes: 15,
        timeZone: "Europe/Lisbon",
      });
      await other.close();
      // At least one retry (after 1 s, then 2 s more) meets it.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(output.statistics.up).toBe(false);
      expect(count("history database unavailable")).toBe(1);
      // The file goes: the next retry creates the database and the outage ends.
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      await waitFor(() => output.statistics.up, "the history to be up again");
      expect(count("history database reachable again")).toBe(1);
      expect(count("history database unavailable")).toBe(1);
    } finally {
      await output.close();
    }
  });
});
