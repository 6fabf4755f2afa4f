import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep, waitUntil } from "@coreflux/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { readJournal, StateJournal } from "../src/state-journal";
import {
  AggregatorProcess,
  BROKER_URL,
  clearRetained,
  Observer,
  scratchDir,
  uniqueCompany,
  writeConfig,
} from "./harness";

/** A Gen2 `status/switch:0` payload. */
function switchStatus(totalWh: number, apowerW: number): string {
  return `{"id":0,"source":"timer","output":true,"apower":${apowerW.toFixed(1)},"voltage":230.1,"current":0.500,"aenergy":{"total":${totalWh.toFixed(3)},"by_minute":[0.000,0.000,0.000],"minute_ts":1718100060}}`;
}

/** A config for `company` with its state at `statePath` (JSON logs, the shared broker). */
function writeJournalConfig(
  dir: string,
  company: string,
  statePath: string,
  o: { intervalS?: number; journal?: boolean; http?: boolean; writeHoldMs?: number } = {},
): string {
  return writeConfig(
    dir,
    [
      `[company]\ntopic = "${company}/#"`,
      `[mqtt]\nurl = "${BROKER_URL}"\nclient_id = "agg-${company}"${o.writeHoldMs === undefined ? "" : `\nwrite_hold_ms = ${o.writeHoldMs}`}`,
      ...(o.intervalS === undefined ? [] : [`[publish]\ninterval_seconds = ${o.intervalS}`]),
      `[state]\npath = "${statePath}"${o.journal === undefined ? "" : `\njournal = ${o.journal}`}`,
      ...(o.http ? ["[http]\nport = 0"] : []),
      '[log]\nformat = "json"',
      "",
    ].join("\n\n"),
  );
}

const observers: Observer[] = [];
const processes: AggregatorProcess[] = [];
afterAll(async () => {
  for (const p of processes) p.kill("SIGKILL");
  for (const o of observers) {
    await clearRetained(o);
    await o.close();
  }
});

/** Device messages the aggregator has taken in, from /healthz. */
async function deviceMessagesIn(aggregator: AggregatorProcess): Promise<number> {
  const line = await aggregator.waitForLog((l) => l.msg === "HTTP listener: /healthz and /metrics");
  const health = (await (await fetch(`${line.url}/healthz`)).json()) as {
    messagesReceived: number;
    ownOutputReceived: number;
  };
  return health.messagesReceived - health.ownOutputReceived;
}

/**
 * The one case the counters cannot repair: readings applied and acknowledged, then a kill -9
 * before the next state write, then a counter reset before the meter's next reading. The publish
 * interval is an hour, so no state file is written before the kill.
 */
async function crashThenReset(journal: boolean): Promise<{
  totalWh: unknown;
  restarted: AggregatorProcess;
  dir: string;
}> {
  const company = uniqueCompany(journal ? "Journal" : "NoJournal");
  const dir = scratchDir();
  const statePath = join(dir, "state.json");
  const configPath = writeJournalConfig(dir, company, statePath, {
    intervalS: 3600,
    journal,
    http: true,
  });
  const plug = `${company}/Porto/Desk/Plug/status/switch:0`;
  const plugOut = `${company}/Porto/Desk/Plug/status/EnergyConsumed`;
  const observer = await Observer.connect(company);
  observers.push(observer);

  const first = new AggregatorProcess(["--config", configPath]);
  processes.push(first);
  await first.ready();
  await observer.send(plug, switchStatus(100, 60)); // the reference
  await observer.send(plug, switchStatus(150, 60)); // +50 Wh, acknowledged...
  await waitUntil(
    async () => (await deviceMessagesIn(first)) >= 2,
    "both readings applied",
    20_000,
  );
  await sleep(200); // the PUBACKs go out right after each message is applied
  first.kill("SIGKILL"); // ...and never in a state file
  await first.exited;
  expect(existsSync(statePath)).toBe(false);

  // The plug reboots: its counter starts again from zero (queued for the next process).
  await observer.send(plug, switchStatus(0.01, 60));
  await observer.send(plug, switchStatus(2, 60)); // +2 Wh since the reset
  await sleep(100);

  const restarted = new AggregatorProcess(["--config", configPath]);
  processes.push(restarted);
  await restarted.ready();
  await waitUntil(
    async () => (await deviceMessagesIn(restarted)) >= 2,
    "the queued readings",
    20_000,
  );
  // A graceful stop publishes the totals and writes the state.
  restarted.kill("SIGTERM");
  expect((await restarted.exited).code).toBe(0);
  const payload = await observer.waitFor(plugOut, (p) => p.TotalEnergyConsumed !== undefined);
  return { totalWh: payload.TotalEnergyConsumed, restarted, dir };
}

// Each test starts one or two aggregator processes: generous on a busy CI machine.
describe("state journal (real Mosquitto, built CLI, kill -9)", { timeout: 60_000 }, () => {
  it("a kill -9 between state writes followed by a counter reset loses nothing", async () => {
    const { totalWh, restarted, dir } = await crashThenReset(true);
    expect(totalWh).toBe(52); // 50 before the crash + 2 after the reset
    expect(
      restarted.lines.find((l) => l.msg?.toString().startsWith("state journal replayed")),
    ).toMatchObject({ records: 2, applied: 2, skipped: 0, files: 1 });
    // After the final state write no journal file is left, and the state says what it includes.
    expect(readdirSync(dir).filter((name) => name.includes(".journal."))).toEqual([]);
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    // 2 records before the crash, 2 after (3 if the broker redelivered 150 Wh, see below).
    expect([4, 5]).toContain(state.journalSeq);
  });

  it("without the journal (journal = false) the same crash loses the 50 Wh: what it is for", async () => {
    const { totalWh, restarted, dir } = await crashThenReset(false);
    // The reset reading became the reference (2 - 0.01 = 1.99), or, if the broker had not yet
    // received the PUBACK of 150 Wh when the process died, 150 was redelivered as the reference
    // and the reset credited 2. Either way the 50 Wh before the crash are gone.
    expect([1.99, 2]).toContain(totalWh);
    expect(restarted.output).not.toContain("state journal replayed");
    expect(readdirSync(dir).filter((name) => name.includes(".journal."))).toEqual([]);
  });

  it("while running, each state write retires the journal files it includes: they do not pile up", async () => {
    const company = uniqueCompany("JournalRotation");
    const dir = scratchDir();
    const configPath = writeJournalConfig(dir, company, join(dir, "state.json"), {
      intervalS: 0.1,
    });
    const observer = await Observer.connect(company);
    observers.push(observer);
    const aggregator = new AggregatorProcess(["--config", configPath]);
    processes.push(aggregator);
    await aggregator.ready();
    const journalFiles = () => readdirSync(dir).filter((name) => name.includes(".journal."));
    const plug = `${company}/Porto/Desk/Plug/status/switch:0`;
    let most = 0;
    for (let i = 0; i <= 20; i++) {
      await observer.send(plug, switchStatus(100 + i, 60));
      await sleep(50);
      most = Math.max(most, journalFiles().length);
    }
    const generations = journalFiles().map((name) => Number(name.split(".").at(-1)));
    expect(Math.max(...generations)).toBeGreaterThan(3); // it rotated at the state writes
    expect(most).toBeLessThanOrEqual(2); // the current file, and one being written into a state
    aggregator.kill("SIGTERM");
    expect((await aggregator.exited).code).toBe(0);
    expect(journalFiles()).toEqual([]);
    const out = await observer.waitFor(
      `${company}/Porto/Desk/Plug/status/EnergyConsumed`,
      (p) => p.TotalEnergyConsumed === 20,
    );
    expect(out.TotalEnergyConsumed).toBe(20);
  });

  it.each([
    { writeHoldMs: 0, label: "0 (each turn)", least: 8, most: 10 },
    { writeHoldMs: 1000, label: "1000", least: 1, most: 2 },
  ])(
    "write_hold_ms = $label: 10 readings 15 ms apart take $least to $most journal writes",
    async ({ writeHoldMs, least, most }) => {
      const company = uniqueCompany(`JournalHold${writeHoldMs}`);
      const dir = scratchDir();
      const configPath = writeJournalConfig(dir, company, join(dir, "state.json"), {
        intervalS: 3600,
        http: true,
        writeHoldMs,
      });
      const observer = await Observer.connect(company);
      observers.push(observer);
      const aggregator = new AggregatorProcess(["--config", configPath]);
      processes.push(aggregator);
      await aggregator.ready();
      const line = await aggregator.waitForLog(
        (l) => l.msg === "HTTP listener: /healthz and /metrics",
      );
      const batches = async (): Promise<number> => {
        const text = await (await fetch(`${line.url}/metrics`)).text();
        return Number(/^coreflux_state_journal_batches_total (\d+)$/m.exec(text)?.[1]);
      };
      expect(await batches()).toBe(0);
      const plug = `${company}/Porto/Desk/Plug/status/switch:0`;
      for (let i = 0; i < 10; i++) {
        await observer.send(plug, switchStatus(100 + i, 60));
        await sleep(15);
      }
      await waitUntil(
        async () => (await deviceMessagesIn(aggregator)) >= 10,
        "every reading",
        20_000,
      );
      await sleep(writeHoldMs + 300);
      const written = await batches();
      expect(written).toBeGreaterThanOrEqual(least);
      expect(written).toBeLessThanOrEqual(most);
      aggregator.kill("SIGTERM");
      expect((await aggregator.exited).code).toBe(0);
    },
  );

  it("with journal = false, an earlier run's journal is set aside and reported, never replayed later", async () => {
    const company = uniqueCompany("JournalOff");
    const dir = scratchDir();
    const statePath = join(dir, "state.json");
    const left = new StateJournal(statePath, 0);
    left.append(
      Date.now(),
      `${company}/Porto/Desk/Plug/status/switch:0`,
      Buffer.from(switchStatus(5, 1)),
    );
    left.close(); // writes the buffered record
    const configPath = writeJournalConfig(dir, company, statePath, { journal: false });
    const aggregator = new AggregatorProcess(["--config", configPath]);
    processes.push(aggregator);
    const warning = await aggregator.waitForLog((l) => String(l.msg).includes("set aside"));
    expect(warning).toMatchObject({ level: 40, recordsNotInState: 1 });
    const names = readdirSync(dir).filter((name) => name.includes(".journal."));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^state\.json\.journal\.1\.unused-\d{4}-/);
    expect(readJournal(statePath, 0).files).toEqual([]);
    await aggregator.ready();
    aggregator.kill("SIGTERM");
    expect((await aggregator.exited).code).toBe(0);
  });

  it("next to another company's state file, the journal is set aside with it, not replayed", async () => {
    const company = uniqueCompany("JournalForeign");
    const dir = scratchDir();
    const statePath = join(dir, "state.json");
    writeFileSync(
      statePath,
      JSON.stringify({
        format: "coreflux.aggregator.state",
        version: 1,
        savedAtMs: 1,
        company: "SomeoneElse",
        engine: {},
        journalSeq: 7,
      }),
    );
    const left = new StateJournal(statePath, 7);
    left.append(
      Date.now(),
      "SomeoneElse/Office/Room/Plug/status/switch:0",
      Buffer.from(switchStatus(5, 1)),
    );
    left.close();
    const configPath = writeJournalConfig(dir, company, statePath);
    const aggregator = new AggregatorProcess(["--config", configPath]);
    processes.push(aggregator);
    await aggregator.ready();
    expect(aggregator.output).toContain("STATE FILE BELONGS TO ANOTHER COMPANY");
    const warning = aggregator.lines.find((l) =>
      String(l.msg).includes("another company: its journal"),
    );
    expect(warning).toMatchObject({ level: 40, recordsNotInState: 1 });
    expect(aggregator.output).not.toContain("state journal replayed");
    expect(readdirSync(dir).filter((n) => /\.journal\.1\.unused-/.test(n))).toHaveLength(1);
    aggregator.kill("SIGTERM");
    expect((await aggregator.exited).code).toBe(0);
  });

  it("a journal file it cannot read stops the start (exit 1) instead of being skipped", async () => {
    const company = uniqueCompany("JournalUnreadable");
    const dir = scratchDir();
    const statePath = join(dir, "state.json");
    mkdirSync(`${statePath}.journal.1`); // named like a journal file, but nothing can read it as one
    const configPath = writeJournalConfig(dir, company, statePath);
    const aggregator = new AggregatorProcess(["--config", configPath]);
    processes.push(aggregator);
    expect((await aggregator.exited).code).toBe(1);
    expect(aggregator.output).toContain("cannot read the state journal");
    expect(aggregator.output).toContain("EISDIR");
  });
});
