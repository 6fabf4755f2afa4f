import { createShellyParser, type ShellyParser } from "@coreflux/shelly-schema";
import type { Prng } from "./prng";

/** The kinds of hostile message the fuzzer sends. */
export const FUZZ_CATEGORIES = [
  "random-bytes",
  "truncated-json",
  "deep-nesting",
  "huge-numbers",
  "nan-strings",
  "huge-payloads",
  "long-topics",
  "unicode-topics",
  "commands",
  "gen1-not-numbers",
] as const;

export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

/** One fuzz message. */
export interface FuzzMessage {
  category: FuzzCategory;
  topic: string;
  payload: Buffer;
}

/** Where the fuzz goes: real devices' topics (their accounting must not move) and made-up ones. */
export interface FuzzTargets {
  company: string;
  /** `<prefix>/status/switch:<id>` topics of real Gen2 devices, with the id. */
  switchTopics: readonly { topic: string; id: number }[];
  /** `shellies/<id>` prefixes of real Gen1 plugs placed by `[[devices]]`. */
  gen1Prefixes: readonly string[];
}

/** A Gen2 switch status as the firmware writes it: what truncation starts from. */
function switchStatus(id: number, totalWh: number): string {
  return `{"id":${id}, "source":"init", "output":true, "apower":42.7, "voltage":229.6, "freq":50.0, "current":0.186, "aenergy":{"total":${totalWh.toFixed(3)},"by_minute":[712.000,705.000,698.000],"minute_ts":1718100060}, "temperature":{"tC":41.2, "tF":106.2}}`;
}

const UNICODE = [
  "Öffice",
  "Rüm",
  "Gerät✓",
  "日本",
  "データ",
  "🔥",
  "Ελλάδα",
  "عربى",
  "e\u0301", // e + combining acute accent
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "\u200b", // zero-width space
  "\ufeff", // byte order mark
  "\u202eRTL", // right-to-left override
  " ",
];

/** Largest payload the fuzzer's 10 MB category sends, bytes. */
export const HUGE_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Builds fuzz messages from a seeded generator. Each category targets a parser stage: bytes that
 * are not UTF-8, JSON cut short, nesting tens of thousands deep, numbers beyond any counter,
 * "NaN"/"Infinity" strings, 10 MB payloads, topics longer than any Shelly topic, unicode and
 * odd topics, commands (ignored on purpose) and Gen1 values that are not numbers.
 */
export class Fuzzer {
  private readonly bogus: string[];

  constructor(
    private readonly rng: Prng,
    private readonly targets: FuzzTargets,
  ) {
    this.bogus = [];
    for (let i = 0; i < 64; i++) {
      this.bogus.push(`${targets.company}/Fuzz${i % 4}/Room${i % 8}/Dev${i}/status/switch:0`);
    }
  }

  /** A topic for a payload that does not parse: a real device's half the time. */
  private anyTopic(): { topic: string; id: number } {
    if (this.rng.next() < 0.5) return this.rng.pick(this.targets.switchTopics);
    return { topic: this.rng.pick(this.bogus), id: 0 };
  }

  message(category: FuzzCategory): FuzzMessage {
    const rng = this.rng;
    const c = this.targets.company;
    const make = (topic: string, payload: string | Uint8Array): FuzzMessage => ({
      category,
      topic,
      payload: typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload),
    });
    switch (category) {
      case "random-bytes": {
        const bytes = rng.bytes(1 + rng.int(256));
        bytes[0] = 0xff; // never valid UTF-8
        return make(this.anyTopic().topic, bytes);
      }
      case "truncated-json": {
        const { topic, id } = this.anyTopic();
        const full = switchStatus(id, rng.range(0, 1e6));
        return make(topic, full.slice(0, 1 + rng.int(full.length - 2)));
      }
      case "deep-nesting": {
        const depth = 1000 + rng.int(30_000);
        return make(this.anyTopic().topic, `${"[".repeat(depth)}${"]".repeat(depth)}`);
      }
      case "huge-numbers": {
        const { topic, id } = this.rng.pick(this.targets.switchTopics);
        const payloads = [
          `{"id":${id},"aenergy":{"total":1e400}}`,
          `{"id":${id},"apower":-1e999,"aenergy":{"total":5}}`,
          `{"id":${id},"aenergy":{"total":${"9".repeat(400)}}}`,
          `{"id":1e30,"aenergy":{"total":12}}`,
          // Finite, parses, but beyond any counter the engine can add exactly: an invalid reading.
          `{"id":${id},"aenergy":{"total":1e300}}`,
          `{"id":${id},"aenergy":{"total":9007199254740993}}`,
        ];
        return make(topic, rng.pick(payloads));
      }
      case "nan-strings": {
        const { topic, id } = this.anyTopic();
        const value = rng.pick(['"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"0x10"']);
        const field = rng.next() < 0.5 ? `"aenergy":{"total":${value}}` : `"apower":${value}`;
        return make(topic, `{"id":${id},${field}}`);
      }
      case "huge-payloads": {
        const { topic, id } = this.anyTopic();
        const head = `{"id":${id},"aenergy":{"total":1},"pad":"`;
        return make(topic, `${head}${"x".repeat(HUGE_PAYLOAD_BYTES - head.length - 2)}"}`);
      }
      case "long-topics": {
        const long = rng.next() < 0.001 ? 65_000 : 1025 + rng.int(3000);
        return make(`${c}/${"L".repeat(long)}/status/switch:0`, switchStatus(0, 1));
      }
      case "unicode-topics": {
        const segs = Array.from({ length: 3 }, () => rng.pick(UNICODE) + rng.pick(UNICODE));
        const shape = rng.int(3);
        if (shape === 0)
          return make(`${c}/${segs.join("/")}/status/switch:0`, rng.bytes(8).fill(0xfe, 0, 1));
        if (shape === 1)
          return make(
            `${c}/${segs.join("/")}/status/switch:0`,
            '{"id":0,"aenergy":{"total":"NaN"}}',
          );
        return make(`${c}/${segs.join("//")}/${rng.pick(UNICODE)}`, switchStatus(0, 1));
      }
      case "commands":
        return make(
          `${this.rng.pick(this.targets.switchTopics).topic.replace(/\/status\/switch:\d+$/, "")}/command`,
          "status_update",
        );
      case "gen1-not-numbers": {
        const prefix = rng.pick(this.targets.gen1Prefixes);
        return make(
          `${prefix}/relay/0/energy`,
          rng.pick(["NaN", "Infinity", "184305.", '"118.42"', "0x1F", ""]),
        );
      }
    }
  }
}

/** What the aggregator must do with a message: `rejected:<reason>` or `ignored:<reason>`. */
export type ExpectedOutcome = `rejected:${string}` | `ignored:${string}`;

/**
 * Categories whose outcome is fixed by construction (whatever the random part): bytes led by
 * 0xFF are never UTF-8, a proper prefix of a JSON object never parses, an array is never a
 * status, a topic over 1024 bytes is too long, a payload over the limit is too large, and a
 * command is ignored. The test checks a sample of them against the oracle.
 */
export const FIXED_OUTCOMES: Partial<Record<FuzzCategory, ExpectedOutcome>> = {
  "random-bytes": "rejected:INVALID_UTF8",
  "truncated-json": "rejected:INVALID_JSON",
  "deep-nesting": "rejected:SCHEMA_MISMATCH",
  "huge-payloads": "rejected:PAYLOAD_TOO_LARGE",
  "long-topics": "rejected:TOPIC_TOO_LONG",
  commands: "ignored:command",
};

/**
 * The oracle of the fuzz share: the same parser the aggregator uses (`@coreflux/shelly-schema`,
 * same payload limit) says how each message must be counted. A message that would be applied as
 * a reading is a fuzzer bug (it could move real totals) and throws.
 */
export function expectedOutcomeOf(
  parse: ShellyParser,
  topic: string,
  payload: Buffer,
): ExpectedOutcome {
  const result = parse(topic, payload);
  if (!result.ok) return `rejected:${result.error.code}`;
  const m = result.message;
  if (m.kind === "ignored") return `ignored:${m.reason}`;
  if (m.kind === "status" || m.kind === "notification" || m.kind === "gen1-value") {
    const readings = m.readings;
    const unusable = readings.every(
      (r) =>
        r.powerW === undefined &&
        r.returnedEnergyWh === undefined &&
        r.energyWh !== undefined &&
        !Number.isSafeInteger(Math.round(r.energyWh * 1000)),
    );
    if (readings.length > 0 && unusable) return "rejected:invalid-reading";
  }
  throw new Error(`fuzz message would be applied (${m.kind}) on ${topic.slice(0, 80)}`);
}

/** A parser with the aggregator's payload limit. */
export function oracleParser(maxPayloadBytes: number): ShellyParser {
  return createShellyParser({ maxPayloadBytes });
}
