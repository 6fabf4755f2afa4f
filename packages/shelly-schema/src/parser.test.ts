import { describe, expect, it } from "vitest";
import { expectError, messageOf, messageOfKind, wellFormed } from "../test/expect-result";
import { bytes } from "../test/fixtures";
import {
  createShellyParser,
  parseShellyMessage,
  SHELLY_DEFAULT_MAX_PAYLOAD_BYTES,
  SHELLY_MAX_ERROR_MESSAGE_LENGTH,
  SHELLY_MAX_TOPIC_BYTES,
  SHELLY_PARSE_ERROR_CODES,
  type ShellyParseErrorCode,
  ShellySchemaError,
} from "./index";

const SWITCH_TOPIC = "shellyplus1pm-a8032ab12345/status/switch:0";

describe("every error code is reachable", () => {
  const seen = new Set<ShellyParseErrorCode>();
  const check = (result: ReturnType<typeof parseShellyMessage>, code: ShellyParseErrorCode) => {
    expectError(result, code);
    seen.add(code);
  };

  it("INVALID_INPUT: untyped callers passing the wrong types", () => {
    const untyped = parseShellyMessage as (
      topic: unknown,
      payload: unknown,
    ) => ReturnType<typeof parseShellyMessage>;
    check(untyped(42, "1"), "INVALID_INPUT");
    check(untyped(undefined, "1"), "INVALID_INPUT");
    check(untyped(SWITCH_TOPIC, 1), "INVALID_INPUT");
    check(untyped(SWITCH_TOPIC, null), "INVALID_INPUT");
    check(untyped(SWITCH_TOPIC, new ArrayBuffer(2)), "INVALID_INPUT");
    check(untyped(SWITCH_TOPIC, [123]), "INVALID_INPUT");
  });

  it("INVALID_TOPIC: empty, wildcards, U+0000", () => {
    check(parseShellyMessage("", "1"), "INVALID_TOPIC");
    check(parseShellyMessage("shellies/+/online", "true"), "INVALID_TOPIC");
    check(parseShellyMessage("a/#", "true"), "INVALID_TOPIC");
    check(parseShellyMessage("a\u0000b/online", "true"), "INVALID_TOPIC");
  });

  it("TOPIC_TOO_LONG: over 1024 UTF-8 bytes, counted as bytes", () => {
    const prefix = "p".repeat(SHELLY_MAX_TOPIC_BYTES - "/online".length);
    expect(messageOf(parseShellyMessage(`${prefix}/online`, "true")).prefix).toBe(prefix);
    check(parseShellyMessage(`${prefix}x/online`, "true"), "TOPIC_TOO_LONG");
    // 342 × "é" (2 bytes each) is 684 characters but over the limit in bytes.
    check(parseShellyMessage(`${"é".repeat(512)}/online`, "true"), "TOPIC_TOO_LONG");
    const message = expectError(parseShellyMessage("x".repeat(100_000), "1"), "TOPIC_TOO_LONG");
    expect(message.length).toBeLessThanOrEqual(SHELLY_MAX_ERROR_MESSAGE_LENGTH);
  });

  it("NOT_SHELLY_TOPIC", () => {
    check(parseShellyMessage("homeassistant/sensor/x/config", "{}"), "NOT_SHELLY_TOPIC");
    check(parseShellyMessage("online", "true"), "NOT_SHELLY_TOPIC");
  });

  it("PAYLOAD_TOO_LARGE, before decoding", () => {
    const big = new Uint8Array(SHELLY_DEFAULT_MAX_PAYLOAD_BYTES + 1).fill(0xff);
    check(parseShellyMessage(SWITCH_TOPIC, big), "PAYLOAD_TOO_LARGE");
  });

  it("INVALID_UTF8", () => {
    check(parseShellyMessage(SWITCH_TOPIC, new Uint8Array([0x7b, 0xff, 0x7d])), "INVALID_UTF8");
    check(parseShellyMessage("shellies/x/relay/0/power", new Uint8Array([0xc3])), "INVALID_UTF8");
    // An overlong encoding of "/" and a UTF-16 surrogate encoded in UTF-8 are invalid too.
    check(parseShellyMessage("dev/online", new Uint8Array([0xc0, 0xaf])), "INVALID_UTF8");
    check(parseShellyMessage("dev/online", new Uint8Array([0xed, 0xa0, 0x80])), "INVALID_UTF8");
  });

  it("INVALID_JSON", () => {
    check(parseShellyMessage(SWITCH_TOPIC, "{"), "INVALID_JSON");
  });

  it("SCHEMA_MISMATCH", () => {
    check(parseShellyMessage(SWITCH_TOPIC, '{"apower":"12"}'), "SCHEMA_MISMATCH");
  });

  it("INVALID_NUMBER", () => {
    check(parseShellyMessage("shellies/x/relay/0/power", "12abc"), "INVALID_NUMBER");
  });

  it("INVALID_VALUE", () => {
    check(parseShellyMessage(SWITCH_TOPIC, '{"aenergy":{"total":-1}}'), "INVALID_VALUE");
  });

  it("INTERNAL_ERROR: the safety net turns a bug into a result", () => {
    class ExplodingBytes extends Uint8Array {
      override get byteLength(): number {
        throw new Error("boom");
      }
    }
    const message = expectError(
      parseShellyMessage(SWITCH_TOPIC, new ExplodingBytes(4)),
      "INTERNAL_ERROR",
    );
    expect(message).toContain("boom");
    seen.add("INTERNAL_ERROR");
  });

  it("covers the whole closed set", () => {
    expect([...seen].sort()).toEqual([...SHELLY_PARSE_ERROR_CODES].sort());
  });
});

describe("the payload limit", () => {
  const payload = '{"apower":1.5}';
  const size = bytes(payload).length;

  it("accepts a payload of exactly the limit and rejects one byte more, bytes or string", () => {
    for (const input of [bytes(payload), payload]) {
      expect(parseShellyMessage(SWITCH_TOPIC, input, { maxPayloadBytes: size }).ok).toBe(true);
      expectError(
        parseShellyMessage(SWITCH_TOPIC, input, { maxPayloadBytes: size - 1 }),
        "PAYLOAD_TOO_LARGE",
      );
    }
  });

  it("counts string payloads in UTF-8 bytes, not characters", () => {
    const text = '{"source":"ééé"}'; // 16 characters, 19 bytes
    expect(parseShellyMessage(SWITCH_TOPIC, text, { maxPayloadBytes: 19 }).ok).toBe(true);
    expectError(
      parseShellyMessage(SWITCH_TOPIC, text, { maxPayloadBytes: 18 }),
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("defaults to 64 KiB, at the boundary", () => {
    const filler = (length: number) => `{"apower":1,"pad":"${"x".repeat(length)}"}`;
    const overhead = filler(0).length;
    const exact = filler(SHELLY_DEFAULT_MAX_PAYLOAD_BYTES - overhead);
    expect(bytes(exact).length).toBe(65_536);
    expect(parseShellyMessage(SWITCH_TOPIC, bytes(exact)).ok).toBe(true);
    expect(parseShellyMessage(SWITCH_TOPIC, exact).ok).toBe(true);
    const over = filler(SHELLY_DEFAULT_MAX_PAYLOAD_BYTES - overhead + 1);
    expectError(parseShellyMessage(SWITCH_TOPIC, bytes(over)), "PAYLOAD_TOO_LARGE");
    expectError(parseShellyMessage(SWITCH_TOPIC, over), "PAYLOAD_TOO_LARGE");
  });

  it("rejects a 10 MB payload with a short message", () => {
    const huge = "9".repeat(10_000_000);
    const message = expectError(parseShellyMessage(SWITCH_TOPIC, huge), "PAYLOAD_TOO_LARGE");
    expect(message.length).toBeLessThanOrEqual(SHELLY_MAX_ERROR_MESSAGE_LENGTH);
  });
});

describe("options", () => {
  it.each([
    { maxPayloadBytes: -1 },
    { maxPayloadBytes: 0 },
    { maxPayloadBytes: 1.5 },
    { maxPayloadBytes: Number.POSITIVE_INFINITY },
    { maxPayloadBytes: "10" },
    { maxPayloadByte: 10 },
    null,
    "big",
  ])("%j throws ShellySchemaError INVALID_OPTIONS", (options) => {
    const call = () => parseShellyMessage(SWITCH_TOPIC, "{}", options as never);
    expect(call).toThrow(ShellySchemaError);
    try {
      call();
    } catch (error) {
      expect((error as ShellySchemaError).code).toBe("INVALID_OPTIONS");
      expect((error as ShellySchemaError).cause).toBeDefined();
    }
    expect(() => createShellyParser(options as never)).toThrow(ShellySchemaError);
  });

  it("createShellyParser fixes the options once", () => {
    const parse = createShellyParser({ maxPayloadBytes: 4 });
    expect(messageOfKind(parse("dev/online", "true"), "online").online).toBe(true);
    expectError(parse("dev/online", "false"), "PAYLOAD_TOO_LARGE");
    const defaults = createShellyParser();
    expect(defaults("dev/online", bytes("false")).ok).toBe(true);
  });
});

describe("hostile and odd input", () => {
  it("deep nesting does not overflow the stack", () => {
    const parse = createShellyParser({ maxPayloadBytes: 8_000_000 });
    const depth = 200_000;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expectError(parse(SWITCH_TOPIC, nested), "SCHEMA_MISMATCH");
    expectError(parse(SWITCH_TOPIC, bytes(`{"apower":${nested}}`)), "SCHEMA_MISMATCH");
    expectError(parse(SWITCH_TOPIC, bytes(`{"apower":1,"x":${"[".repeat(depth)}`)), "INVALID_JSON");
    expectError(
      parse("agg/rpc", `{"id":1,"src":"d","dst":"agg","result":${nested}}`),
      "SCHEMA_MISMATCH",
    );
    const frame = `{"method":"NotifyStatus","params":{"ts":1,"wifi":${nested},"switch:0":{"apower":3}}}`;
    const message = messageOf(parse("dev/events/rpc", bytes(frame)));
    expect(message.readings[0]?.powerW).toBe(3);
  });

  it("at the default limit, the deepest possible payload is handled", () => {
    const half = SHELLY_DEFAULT_MAX_PAYLOAD_BYTES / 2;
    const result = parseShellyMessage(
      SWITCH_TOPIC,
      bytes(`${"{".repeat(half)}${"}".repeat(half)}`),
    );
    expectError(result, "INVALID_JSON");
  });

  it("error messages never echo a large payload", () => {
    const junk = `{"apower":"${"A".repeat(60_000)}"}`;
    const message = expectError(parseShellyMessage(SWITCH_TOPIC, junk), "SCHEMA_MISMATCH");
    expect(message.length).toBeLessThanOrEqual(SHELLY_MAX_ERROR_MESSAGE_LENGTH);
    const bad = expectError(
      parseShellyMessage(SWITCH_TOPIC, `{${"x".repeat(60_000)}`),
      "INVALID_JSON",
    );
    expect(bad.length).toBeLessThanOrEqual(SHELLY_MAX_ERROR_MESSAGE_LENGTH);
    const gen1 = expectError(
      parseShellyMessage("shellies/x/relay/0/power", `${"1".repeat(50_000)}x`),
      "INVALID_NUMBER",
    );
    expect(gen1.length).toBeLessThanOrEqual(SHELLY_MAX_ERROR_MESSAGE_LENGTH);
  });

  it("a Node Buffer (a Uint8Array with an offset into a shared pool) parses like any bytes", () => {
    const pool = bytes(`xxxx{"apower":7}yyyy`);
    const view = pool.subarray(4, pool.length - 4);
    expect(messageOf(parseShellyMessage(SWITCH_TOPIC, view)).readings[0]?.powerW).toBe(7);
    const buffer = Buffer.from('{"apower":8}');
    expect(messageOf(parseShellyMessage(SWITCH_TOPIC, buffer)).readings[0]?.powerW).toBe(8);
  });

  it("results are fresh objects: mutating one does not affect the next", () => {
    const first = parseShellyMessage("dev/status/wifi", "{}");
    const message = messageOf(first);
    (message as { prefix: string }).prefix = "changed";
    expect(messageOf(parseShellyMessage("dev/status/wifi", "{}")).prefix).toBe("dev");
    const failureOne = parseShellyMessage("nope", "{}");
    if (!failureOne.ok) (failureOne.error as { message: string }).message = "changed";
    const failureTwo = wellFormed(parseShellyMessage("nope", "{}"));
    expect(failureTwo.ok === false && failureTwo.error.message).toContain("not a Shelly topic");
  });

  it("ignored kinds do not look at the payload", () => {
    for (const [topic, reason] of [
      ["dev/debug/log", "debug-log"],
      ["dev/command/switch:0", "command"],
      ["dev/command", "command"],
      ["dev/error/switch:0", "error-report"],
      ["dev/status/wifi", "singleton-status"],
      ["dev/status/input:0", "non-metering-component"],
    ] as const) {
      const message = messageOfKind(
        parseShellyMessage(topic, new Uint8Array([0xff, 0xfe])),
        "ignored",
      );
      expect(message.reason).toBe(reason);
    }
  });
});
