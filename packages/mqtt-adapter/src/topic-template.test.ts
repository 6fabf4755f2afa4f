import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { MqttAdapterError } from "./errors";
import { matchTopic } from "./topic-match";
import { compileTopicTemplate } from "./topic-template";

describe("compileTopicTemplate", () => {
  it("compiles single-level captures to + and extracts them by name", () => {
    const t = compileTopicTemplate("{company}/{office}/{room}/{device}/status/{component}");
    expect(t.filter).toBe("+/+/+/+/status/+");
    expect(t.names).toEqual(["company", "office", "room", "device", "component"]);
    expect(t.match("acme/lisbon/r1/plug-7/status/switch:0")).toEqual({
      company: "acme",
      office: "lisbon",
      room: "r1",
      device: "plug-7",
      component: "switch:0",
    });
    expect(t.match("acme/lisbon/r1/plug-7/events/switch:0")).toBeUndefined();
    expect(t.match("acme/lisbon/r1/plug-7/status")).toBeUndefined();
    expect(t.match("acme/lisbon/r1/plug-7/status/a/b")).toBeUndefined();
    expect(t.match("acme//r1/plug-7/status/switch:0")).toBeUndefined();
    expectTypeOf(t.match).returns.toEqualTypeOf<
      Record<"company" | "office" | "room" | "device" | "component", string> | undefined
    >();
  });

  it("supports a trailing multi-level capture as #", () => {
    const t = compileTopicTemplate("site/{site}/{rest...}");
    expect(t.filter).toBe("site/+/#");
    expect(t.match("site/a/x/y/z")).toEqual({ site: "a", rest: "x/y/z" });
    expect(t.match("site/a/x")).toEqual({ site: "a", rest: "x" });
    expect(t.match("site/a")).toBeUndefined();
    expect(t.match("site/a/x//z")).toBeUndefined();
  });

  it("supports a leading multi-level capture with a # filter that match() narrows", () => {
    const t = compileTopicTemplate("{prefix...}/status/{component}");
    expect(t.filter).toBe("#");
    expect(t.names).toEqual(["prefix", "component"]);
    expect(t.match("acme/lisbon/plug/status/switch:0")).toEqual({
      prefix: "acme/lisbon/plug",
      component: "switch:0",
    });
    expect(t.match("plug/status/em:0")).toEqual({ prefix: "plug", component: "em:0" });
    expect(t.match("status/em:0")).toBeUndefined();
    expect(t.match("a/b/events/em:0")).toBeUndefined();
    expect(t.match("$SYS/status/x")).toBeUndefined();
  });

  it("supports a multi-level capture in the middle", () => {
    const t = compileTopicTemplate("tele/{path...}/state/{field}");
    expect(t.filter).toBe("tele/#");
    expect(t.match("tele/a/b/state/power")).toEqual({ path: "a/b", field: "power" });
    expect(t.match("tele/state/power")).toBeUndefined();
  });

  it("does not match $ topics when it starts with a capture, like + and #", () => {
    const t = compileTopicTemplate("{a}/b");
    expect(t.match("$SYS/b")).toBeUndefined();
    expect(compileTopicTemplate("$SYS/{x}").match("$SYS/load")).toEqual({ x: "load" });
  });

  it("keeps literal-only templates exact", () => {
    const t = compileTopicTemplate("a/b");
    expect(t.filter).toBe("a/b");
    expect(t.names).toEqual([]);
    expect(t.match("a/b")).toEqual({});
    expect(t.match("a/c")).toBeUndefined();
  });

  it.each([
    ["", "it is empty"],
    ["a/{}/b", 'capture name "" must match'],
    ["a/{1x}", 'capture name "1x" must match'],
    ["a/x{y}", 'level "x{y}": a capture must be a whole level'],
    ["a/{y", 'level "{y": a capture must be a whole level'],
    ["a/+/b", 'level "+": use {name} or {name...} instead of wildcards'],
    ["a/#", 'level "#": use {name} or {name...} instead of wildcards'],
    ["{a}/{a}", "capture {a} appears twice"],
    ["{a...}/{b...}", "only one {name...} capture is allowed"],
    ["{__proto__}", 'capture name "__proto__" is reserved'],
  ])("rejects %j (%s)", (template, reason) => {
    let caught: unknown;
    try {
      compileTopicTemplate(template);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MqttAdapterError);
    expect((caught as MqttAdapterError).code).toBe("INVALID_TEMPLATE");
    expect((caught as MqttAdapterError).message).toContain(
      `invalid topic template ${JSON.stringify(template)}: ${reason}`,
    );
  });

  const value = fc.stringMatching(/^[a-z0-9:_-]{1,6}$/);
  const literal = fc.stringMatching(/^[a-z]{0,4}$/);
  const part = fc.oneof(
    literal.map((text) => ({ kind: "literal" as const, text })),
    fc.constant({ kind: "one" as const }),
  );

  it("property: topics built from a template match with the values they were built from", () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.array(value, { minLength: 8, maxLength: 8 }),
        fc.array(value, { minLength: 1, maxLength: 3 }),
        (parts, manyAt, values, manyLevels) => {
          const levels: string[] = [];
          const topicLevels: string[] = [];
          const expected: Record<string, string> = {};
          const manyIndex = manyAt === undefined ? -1 : manyAt % (parts.length + 1);
          let n = 0;
          parts.forEach((p, i) => {
            if (i === manyIndex) {
              levels.push("{many...}");
              topicLevels.push(...manyLevels);
              expected.many = manyLevels.join("/");
            }
            if (p.kind === "literal") {
              levels.push(p.text);
              topicLevels.push(p.text);
            } else {
              const name = `c${n}`;
              levels.push(`{${name}}`);
              topicLevels.push(values[n] as string);
              expected[name] = values[n] as string;
              n++;
            }
          });
          if (manyIndex === parts.length) {
            levels.push("{many...}");
            topicLevels.push(...manyLevels);
            expected.many = manyLevels.join("/");
          }
          fc.pre(levels.join("/") !== "");
          const t = compileTopicTemplate(levels.join("/"));
          const topic = topicLevels.join("/");
          expect(t.match(topic)).toEqual(expected);
          expect(matchTopic(t.filter, topic)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("property: whatever match() accepts, the filter matches too", () => {
    const topicArb = fc
      .array(fc.constantFrom("", "a", "b", "$s", "status"), { minLength: 1, maxLength: 6 })
      .map((l) => l.join("/"));
    const templates = [
      "{a}/{b}",
      "a/{x}/status/{y}",
      "{p...}/status/{c}",
      "a/{rest...}",
      "{x}/b/{rest...}",
      "$s/{x}",
    ].map((t) => compileTopicTemplate(t));
    fc.assert(
      fc.property(topicArb, fc.nat(templates.length - 1), (topic, i) => {
        const t = templates[i];
        if (t === undefined) return;
        if (t.match(topic) !== undefined) expect(matchTopic(t.filter, topic)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
