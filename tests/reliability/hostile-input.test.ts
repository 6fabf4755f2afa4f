import { rmSync } from "node:fs";
import { join } from "node:path";
import { createFleet, type FleetOptions, runSimulator } from "@coreflux/shelly-simulator";
import { type PrivateMosquitto, sleep, startMosquitto, waitUntil } from "@coreflux/test-support";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { AggregatorProcess, settleAtTruth } from "./helpers/aggregator";
import { aggregatorConfig, writeConfig } from "./helpers/config";
import {
  type ExpectedOutcome,
  expectedOutcomeOf,
  FIXED_OUTCOMES,
  type FuzzCategory,
  Fuzzer,
  oracleParser,
} from "./helpers/fuzz";
import { Observer } from "./helpers/observer";
import { scratchDir, uniqueCompany } from "./helpers/paths";
import { Prng, seedOf } from "./helpers/prng";
import { byLabel, sample, total } from "./helpers/prometheus";
import { report } from "./helpers/report";
import {
  LIVE_HEAP_GROWTH_BUDGET_BYTES,
  mib,
  RSS_CEILING_BYTES,
  RssSampler,
} from "./helpers/rss-sampler";
import { compareWithTruth, truthNodes } from "./helpers/truth";

const SEED = seedOf(1_000_003);
const FUZZ_MESSAGES = 1_000_000;
const INTERVAL_S = 1;
const MAX_PAYLOAD_BYTES = 65_536;
/**
 * Fuzz messages published but not yet counted by the aggregator, at most. The test's own
 * Mosquitto has no per-client queue limit (the default, 1000, also drops QoS 0 messages for a
 * reader that falls behind), so nothing is dropped and every count below is exact; the window
 * bounds what the broker holds.
 */
const WINDOW = 5000;
/** How many of each; `commands` takes the rest. The five 10 MB payloads are spread evenly. */
const PLAN: Record<Exclude<FuzzCategory, "commands">, number> = {
  "random-bytes": 300_000,
  "truncated-json": 250_000,
  "deep-nesting": 500,
  "huge-numbers": 100_000,
  "nan-strings": 100_000,
  "huge-payloads": 5,
  "long-topics": 20_000,
  "unicode-topics": 100_000,
  "gen1-not-numbers": 50_000,
};

const company = uniqueCompany("Hostile");
const dir = scratchDir("hostile");
const clientId = `agg-${company}`;
const fleetOptions: FleetOptions = {
  seed: SEED,
  company,
  offices: 2,
  roomsPerOffice: 3,
  devicesPerRoom: 5,
  models: { "plus-plug-s": 4, "pro-4pm": 1, "plus-pm-mini": 1, "gen1-plug-s": 2, "pro-3em": 1 },
  // No malformed payloads (every rejection is then fuzz) and no spikes (each one is an info
  // line by design, which would blur the log check); no resets (see crash-safety.test.ts).
  faults: { offline: 0.5, zero: 0.01, duplicate: 0.02, reorder: 0.02 },
};

let broker: PrivateMosquitto | undefined;
let observer: Observer | undefined;
let aggregator: AggregatorProcess | undefined;
let fuzzClient: mqtt.MqttClient | undefined;

afterAll(async () => {
  await fuzzClient?.endAsync();
  await aggregator?.stop();
  await observer?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The category of each message: weighted by what is left, so the totals are exact. */
function schedule(rng: Prng): () => FuzzCategory {
  const left = new Map<FuzzCategory, number>(Object.entries(PLAN) as [FuzzCategory, number][]);
  left.set("commands", FUZZ_MESSAGES - total(PLAN));
  const huge = left.get("huge-payloads")!;
  left.delete("huge-payloads");
  const hugeAt = new Set(
    Array.from({ length: huge }, (_, k) => Math.floor(((k + 0.5) * FUZZ_MESSAGES) / huge)),
  );
  let i = 0;
  let remaining = FUZZ_MESSAGES - huge;
  return () => {
    if (hugeAt.has(i++)) return "huge-payloads";
    let r = rng.int(remaining);
    remaining--;
    for (const [category, n] of left) {
      if (r < n) {
        left.set(category, n - 1);
        return category;
      }
      r -= n;
    }
    throw new Error("fuzz schedule exhausted");
  };
}

describe("hostile input (1,000,000 fuzzed messages during a legitimate stream)", () => {
  it(`stays up with bounded memory and log, counts every rejection by reason, and keeps the legitimate totals exact (seed ${SEED})`, async () => {
    const started = Date.now();
    const rng = new Prng(SEED);
    const fleet = createFleet(fleetOptions);
    broker = await startMosquitto({ config: () => ["max_queued_messages 0"] });
    const url = broker.url;
    const configPath = writeConfig(
      dir,
      aggregatorConfig({
        company,
        url: url,
        clientId,
        statePath: join(dir, "state.json"),
        intervalS: INTERVAL_S,
        maxPayloadBytes: MAX_PAYLOAD_BYTES,
        placements: fleet.placements(),
      }),
    );
    observer = await Observer.connect(url, company);
    aggregator = new AggregatorProcess(configPath);
    await aggregator.subscribed();
    const pid = aggregator.pid;
    const rss = new RssSampler(aggregator, 250);

    const fuzzer = new Fuzzer(rng, {
      company,
      switchTopics: fleet.devices
        .filter((d) => d.prefix.startsWith(`${company}/`))
        .flatMap((d) =>
          d.meters
            .filter((m) => m.startsWith("switch:"))
            .map((m) => ({ topic: `${d.prefix}/status/${m}`, id: Number(m.slice(7)) })),
        ),
      gen1Prefixes: fleet.devices.filter((d) => d.model === "gen1-plug-s").map((d) => d.prefix),
    });

    const stop = new AbortController();
    let legitPublished = 0;
    const legit = runSimulator({
      ...fleetOptions,
      url: url,
      speed: 120,
      qos: 1,
      signal: stop.signal,
      progressIntervalMs: 20,
      onProgress: (p) => {
        legitPublished = p.messages;
      },
    });

    // What the aggregator has counted, from /healthz, polled in the background for the flow
    // control; every answer must also say "ok".
    let counted = 0;
    let polling = true;
    const healthFailures: string[] = [];
    const poller = (async () => {
      while (polling) {
        const h = await aggregator!.health();
        if (h.httpStatus !== 200 || h.body.status !== "ok") healthFailures.push(JSON.stringify(h));
        counted = h.body.messagesReceived - h.body.ownOutputReceived;
        await sleep(20);
      }
    })();

    fuzzClient = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
    const parse = oracleParser(MAX_PAYLOAD_BYTES);
    const next = schedule(rng);
    const expected = new Map<ExpectedOutcome, number>();
    const byCategory = new Map<FuzzCategory, Map<ExpectedOutcome, number>>();
    const verified = new Map<FuzzCategory, number>();
    const constructionErrors: string[] = [];
    const fuzzStarted = Date.now();
    let liveHeapMid = 0;
    for (let i = 0; i < FUZZ_MESSAGES; i++) {
      // Halfway: the bounded caches (topic shortcuts, parser memo) are full by now. RSS is
      // sampled up to here only: a heap snapshot leaves the RSS hundreds of MiB higher.
      if (i === FUZZ_MESSAGES / 2) {
        rss.stop();
        liveHeapMid = await aggregator.liveHeapBytes();
      }
      const m = fuzzer.message(next());
      // The oracle parses every message whose outcome depends on its content, and every 32nd
      // of the others (the parse doubles the publisher's cost; the aggregator's counts below
      // would show any message of a fixed category that does not behave as constructed).
      const fixed = FIXED_OUTCOMES[m.category];
      let outcome = fixed;
      const n = verified.get(m.category) ?? 0;
      if (fixed === undefined || n < 100 || i % 32 === 0) {
        outcome = expectedOutcomeOf(parse, m.topic, m.payload);
        verified.set(m.category, n + 1);
        if (fixed !== undefined && outcome !== fixed) {
          constructionErrors.push(`${m.category}: ${outcome}, expected ${fixed}`);
        }
      }
      expected.set(outcome!, (expected.get(outcome!) ?? 0) + 1);
      const perCategory = byCategory.get(m.category) ?? new Map<ExpectedOutcome, number>();
      perCategory.set(outcome!, (perCategory.get(outcome!) ?? 0) + 1);
      byCategory.set(m.category, perCategory);
      fuzzClient.publish(m.topic, m.payload, { qos: 0 });
      if (fuzzClient.stream.writableNeedDrain) {
        await new Promise((resolve) => fuzzClient!.stream.once("drain", resolve));
      }
      if (i % 64 === 0) {
        while (i + 1 + legitPublished - counted > WINDOW) await sleep(2);
      }
    }
    const fuzzSeconds = (Date.now() - fuzzStarted) / 1000;
    await waitUntil(
      () => counted >= FUZZ_MESSAGES + legitPublished,
      "the aggregator to count every fuzz message",
      60_000,
    );
    stop.abort();
    const result = await legit;
    polling = false;
    await poller;

    const truth = truthNodes(result.truth);
    const received = await settleAtTruth(
      aggregator,
      () => compareWithTruth(observer!.latest, truth),
      INTERVAL_S,
    );
    const liveHeapEnd = await aggregator.liveHeapBytes();
    const samples = rss.samples;
    const m = await aggregator.metrics();
    const rejected = byLabel(m, "coreflux_messages_rejected_total", "reason");
    const ignored = byLabel(m, "coreflux_messages_ignored_total", "reason");
    const accepted = sample(m, "coreflux_messages_accepted_total");
    const receivedTotal = sample(m, "coreflux_messages_received_total");
    const want = (kind: "rejected" | "ignored") =>
      Object.fromEntries(
        [...expected]
          .filter(([o]) => o.startsWith(`${kind}:`))
          .map(([o, n]) => [o.slice(kind.length + 1), n]),
      );
    const warned = aggregator.linesWith(/^message rejected/).map((l) => String(l.reason));
    const peak = rss.peak;
    report("hostile-input", {
      seed: SEED,
      fuzzMessages: FUZZ_MESSAGES,
      fuzzSeconds,
      fuzzPerSecond: Math.round(FUZZ_MESSAGES / fuzzSeconds),
      legitMessages: result.messages,
      legitFaults: result.stats.faults,
      received: receivedTotal,
      accepted,
      rejected,
      ignored,
      byCategory: Object.fromEntries([...byCategory].map(([k, v]) => [k, Object.fromEntries(v)])),
      oracleParsed: Object.fromEntries(verified),
      logLines: aggregator.lines.length,
      warnedReasons: warned,
      rss: {
        first: mib(samples[0]!.rssBytes),
        peak: mib(peak),
        liveHeapHalfway: mib(liveHeapMid),
        liveHeapEnd: mib(liveHeapEnd),
        secondQuarterMedian: mib(rss.medianBetween(0.5, 1)),
        samples: samples.length,
      },
      companyMwh: result.truth.energyMwh,
      wallS: Math.round((Date.now() - started) / 100) / 10,
    });

    // The legitimate totals are exact, and every message arrived (QoS 1 stream + QoS 0 fuzz
    // under flow control: nothing dropped, nothing counted twice).
    expect(compareWithTruth(observer.latest, truth)).toEqual([]);
    expect(received).toBe(result.messages + FUZZ_MESSAGES);
    // Same process, healthy throughout.
    expect(aggregator.pid).toBe(pid);
    expect(aggregator.running).toBe(true);
    expect(healthFailures).toEqual([]);
    expect(await aggregator.health()).toMatchObject({ httpStatus: 200, body: { status: "ok" } });

    // Each rejection under its reason, the fuzz share exactly as the oracle says (the legitimate
    // stream has no malformed fault, so every rejection is fuzz), and every message accounted
    // for exactly once.
    expect(rejected).toEqual(want("rejected"));
    expect(Object.keys(want("ignored"))).toEqual(["command"]);
    expect(ignored.command).toBe(want("ignored").command);
    expect(accepted + total(rejected) + total(ignored)).toBe(receivedTotal);
    // The categories fixed by construction behaved as constructed wherever the oracle looked.
    expect(constructionErrors).toEqual([]);
    for (const category of Object.keys(FIXED_OUTCOMES) as FuzzCategory[]) {
      expect(verified.get(category), category).toBeGreaterThan(0);
    }

    // The log does not grow with the bad input: a warning per reason at most, few lines in all.
    expect(new Set(warned).size).toBe(warned.length);
    expect(aggregator.lines.length).toBeLessThan(200);

    // Memory: a fixed RSS ceiling, and a live heap that stops growing once the caches are full.
    expect(peak).toBeLessThan(RSS_CEILING_BYTES);
    expect(
      liveHeapEnd - liveHeapMid,
      `live heap ${mib(liveHeapMid)} halfway, ${mib(liveHeapEnd)} at the end`,
    ).toBeLessThan(LIVE_HEAP_GROWTH_BUDGET_BYTES);
  });
});
