import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchTopic } from "./topic-match";

/** A straightforward reference implementation of the MQTT matching rules, for the properties. */
function reference(filter: string, topic: string): boolean {
  if (filter === "" || topic === "" || /[+#]/.test(topic)) return false;
  if (topic.startsWith("$") && /^[+#]/.test(filter)) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const level = fc.constantFrom("", "a", "b", "ab", "$x", "é", "🙂", "+", "#");
const topicLevel = fc.constantFrom("", "a", "b", "ab", "$x", "é", "🙂");
const filterArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join("/"));
const topicArb = fc
  .array(topicLevel, { minLength: 1, maxLength: 5 })
  .map((l) => l.join("/"))
  .filter((topic) => topic !== "");

describe("matchTopic", () => {
  it.each([
    ["a/b/c", "a/b/c", true],
    ["a/b/c", "a/b", false],
    ["a/b", "a/b/c", false],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a//c", true],
    ["a/+", "a/b/c", false],
    ["+/+", "/finance", true],
    ["/+", "/finance", true],
    ["+", "/finance", false],
    ["a/#", "a", true],
    ["a/#", "a/b/c", true],
    ["a/#", "ab", false],
    ["#", "a/b", true],
    ["#", "/", true],
    ["+/#", "a", true],
    ["#", "$SYS/broker", false],
    ["+/broker", "$SYS/broker", false],
    ["$SYS/#", "$SYS/broker", true],
    ["$SYS/+", "$SYS/broker", true],
    ["a/b", "a/+", false],
    ["#", "a/#", false],
    ["a/b#", "a/b#", false],
    ["#/a", "x/a", false],
    ["", "a", false],
    ["a", "", false],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", true],
    ["sport/tennis/+", "sport/tennis/player1/ranking", false],
    ["é/+", "é/🙂", true],
  ])("matchTopic(%j, %j) is %s", (filter, topic, expected) => {
    expect(matchTopic(filter, topic)).toBe(expected);
  });

  it("agrees with the reference implementation on generated filters and topics", () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        expect(matchTopic(filter, topic)).toBe(reference(filter, topic));
      }),
      { numRuns: 5000 },
    );
  });

  it("a valid topic always matches itself, and with any level made + (unless $-led)", () => {
    fc.assert(
      fc.property(topicArb, fc.nat(), (topic, pick) => {
        expect(matchTopic(topic, topic)).toBe(true);
        const levels = topic.split("/");
        const index = pick % levels.length;
        levels[index] = "+";
        const expected = !(index === 0 && topic.startsWith("$"));
        expect(matchTopic(levels.join("/"), topic)).toBe(expected);
      }),
    );
  });

  it("a topic matches # at every level boundary (parent included)", () => {
    fc.assert(
      fc.property(topicArb, fc.nat(), (topic, pick) => {
        const levels = topic.split("/");
        const keep = pick % (levels.length + 1);
        const filter = [...levels.slice(0, keep), "#"].join("/");
        const expected = !(keep === 0 && topic.startsWith("$"));
        expect(matchTopic(filter, topic)).toBe(expected);
      }),
    );
  });
});
