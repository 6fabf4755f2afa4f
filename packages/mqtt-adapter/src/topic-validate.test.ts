import { describe, expect, it } from "vitest";
import { MqttAdapterError } from "./errors";
import { MAX_TOPIC_BYTES, validateTopic, validateTopicFilter } from "./topic-validate";

function problem(result: ReturnType<typeof validateTopicFilter>): MqttAdapterError {
  if (result.ok) throw new Error("expected a failure");
  return result.error;
}

describe("validateTopicFilter", () => {
  it.each([
    "a",
    "a/b",
    "+",
    "#",
    "a/+/c",
    "a/#",
    "+/+/#",
    "/",
    "//",
    "$SYS/#",
    "$share/g/a/+",
    "é/🙂",
  ])("accepts %j", (filter) => {
    expect(validateTopicFilter(filter)).toEqual({ ok: true });
  });

  it.each([
    ["", "it is empty"],
    ["a/#/b", '"#" must be the last level'],
    ["#/a", '"#" must be the last level'],
    ["a#", '"#" must be a whole level, found "a#"'],
    ["a/b#", '"#" must be a whole level, found "b#"'],
    ["a+/b", '"+" must be a whole level, found "a+"'],
    ["a/+b", '"+" must be a whole level, found "+b"'],
    ["a/\u0000", "it contains the NUL character U+0000"],
    ["a/\ud800", "it is not well-formed UTF-8 (lone surrogate)"],
  ])("rejects %j: %s", (filter, reason) => {
    const error = problem(validateTopicFilter(filter));
    expect(error).toBeInstanceOf(MqttAdapterError);
    expect(error.code).toBe("INVALID_TOPIC_FILTER");
    expect(error.message).toBe(`invalid topic filter ${JSON.stringify(filter)}: ${reason}`);
  });

  it("counts bytes, not characters, against the 65535 limit", () => {
    expect(validateTopicFilter("a".repeat(MAX_TOPIC_BYTES)).ok).toBe(true);
    const tooLong = problem(validateTopicFilter("a".repeat(MAX_TOPIC_BYTES + 1)));
    expect(tooLong.message).toContain("it is 65536 bytes long (at most 65535)");
    expect(tooLong.message).toContain("… (65536 characters)");
    // 21846 three-byte characters: 65538 bytes but only 21846 UTF-16 units.
    expect(problem(validateTopicFilter("€".repeat(21_846))).message).toContain("65538 bytes");
    expect(validateTopicFilter("€".repeat(21_845)).ok).toBe(true);
  });

  it("rejects a value that is not a string", () => {
    expect(problem(validateTopicFilter(42 as unknown as string)).message).toBe(
      "invalid topic filter 42: not a string",
    );
  });
});

describe("validateTopic", () => {
  it.each(["a", "a/b", "/", "$SYS/x", "é"])("accepts %j", (topic) => {
    expect(validateTopic(topic)).toEqual({ ok: true });
  });

  it.each([
    ["", "it is empty"],
    ["a/+", "wildcards + and # are only allowed in subscription filters"],
    ["#", "wildcards + and # are only allowed in subscription filters"],
    ["a\u0000b", "it contains the NUL character U+0000"],
  ])("rejects %j: %s", (topic, reason) => {
    const result = validateTopic(topic);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("INVALID_TOPIC");
    expect(result.error.message).toBe(`invalid topic ${JSON.stringify(topic)}: ${reason}`);
  });
});
