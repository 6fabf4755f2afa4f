import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  anyValueText,
  cleanTableValue,
  numberText,
  objectText,
  stringText,
  tableText,
} from "../../../test/arbitraries";
import { wellFormed } from "../../../test/expect-result";
import { bytes, loadFixtures } from "../../../test/fixtures";
import { COMPONENTS, SYS } from "../components";
import { parseGuarded } from "../parse-message";
import { toSlots } from "../slots";
import { fastNotification } from "./fast-notification";
import { attemptFast, fastComponentStatus } from "./fast-parse";

const LIMIT = 65_536;
const NAMES = [...COMPONENTS.keys()];

/** Both paths on the same bytes; they must return the same result. */
function bothPaths(topic: string, text: string) {
  const payload = bytes(text);
  const fast = parseGuarded(topic, payload, LIMIT, true);
  const general = parseGuarded(topic, payload, LIMIT, false);
  expect(fast).toStrictEqual(general);
  wellFormed(fast);
  if (!fast.ok) expect(fast.error.code).not.toBe("INTERNAL_ERROR");
  return fast;
}

describe("the byte scanner reads numbers exactly like JSON.parse", () => {
  it("for every JSON number spelling", () => {
    fc.assert(
      fc.property(numberText, (text) => {
        const expected = JSON.parse(text) as number;
        const read = attemptFast(bytes(text), (scanner) => scanner.readNumber(), undefined);
        if (Number.isFinite(expected)) expect(Object.is(read, expected)).toBe(true);
        else expect(read).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it("for doubles written the shortest way and with fixed decimals", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.nat(15),
        (value, digits) => {
          for (const text of [JSON.stringify(value), value.toFixed(Math.min(digits, 100))]) {
            const read = attemptFast(bytes(text), (scanner) => scanner.readNumber(), undefined);
            expect(Object.is(read, JSON.parse(text))).toBe(true);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("declines what is not a JSON number", () => {
    for (const text of ["01", "+1", ".5", "1.", "1e", "-", "1e+", "--1", "0x1", "1.e3", ""]) {
      expect(
        attemptFast(bytes(text), (scanner) => scanner.readNumber(), undefined),
      ).toBeUndefined();
    }
  });

  it("reads strings without escapes and declines the rest", () => {
    const read = (text: string) =>
      attemptFast(bytes(text), (scanner) => scanner.readString(), undefined);
    expect(read('"switch:0"')).toBe("switch:0");
    expect(read(' "" ')).toBe("");
    for (const text of ['"a\\nb"', '"café"', '"a\u0001"', '"open', "'x'", '"\\u0041"']) {
      expect(read(text)).toBeUndefined();
    }
  });

  it("skips JSON values: whatever it accepts is valid JSON, and it declines past 16 levels", () => {
    const skip = (text: string) =>
      attemptFast(
        bytes(text),
        (scanner) => {
          scanner.skipValue(0);
          return true;
        },
        undefined,
      );
    fc.assert(
      fc.property(anyValueText, (text) => {
        if (skip(text)) expect(() => JSON.parse(text)).not.toThrow();
      }),
      { numRuns: 5_000 },
    );
    expect(skip(`${"[".repeat(16)}${"]".repeat(16)}`)).toBe(true);
    expect(skip(`${"[".repeat(17)}${"]".repeat(17)}`)).toBeUndefined();
    expect(skip('{"a":[1,{"b":null}],"c":"d"}')).toBe(true);
    expect(skip('{"a":1,}')).toBeUndefined();
  });
});

describe("status payloads: the fast path agrees with JSON.parse + zod", () => {
  it.each(NAMES)("%s: on generated payloads, valid or not", (name) => {
    const spec = COMPONENTS.get(name);
    if (spec === undefined) throw new Error(name);
    fc.assert(
      fc.property(tableText(spec.fields), fc.nat(3), (text, id) => {
        bothPaths(`Coreflux/Site/Dev/status/${name}:${id}`, text);
        const fast = fastComponentStatus(bytes(text), spec.fast);
        if (fast !== undefined) {
          // Whatever the fast path accepts, zod accepts too, with the same field values.
          const checked = spec.schema.safeParse(JSON.parse(text));
          expect(checked.success).toBe(true);
          if (checked.success) expect(fast).toEqual(toSlots(spec.fields, checked.data));
        }
      }),
      { numRuns: 600 },
    );
  });

  it.each(NAMES)("%s: the fast path takes every clean, valid payload", (name) => {
    const spec = COMPONENTS.get(name);
    if (spec === undefined) throw new Error(name);
    fc.assert(
      fc.property(cleanTableValue(spec.fields), (value) => {
        const text = JSON.stringify(value);
        const fast = fastComponentStatus(bytes(text), spec.fast);
        expect(fast).toBeDefined();
        const checked = spec.schema.parse(JSON.parse(text));
        expect(fast).toEqual(toSlots(spec.fields, checked));
      }),
      { numRuns: 300 },
    );
  });

  it("sys: both paths agree", () => {
    fc.assert(
      fc.property(tableText(SYS.fields), (text) => {
        bothPaths("dev/status/sys", text);
      }),
      { numRuns: 500 },
    );
  });
});

describe("notification frames: the fast path agrees with JSON.parse + zod", () => {
  const componentKey = fc.oneof(
    fc.tuple(fc.constantFrom(...NAMES), fc.nat(2)).map(([name, id]) => `"${name}:${id}"`),
    fc.constantFrom('"sys"', '"ts"', '"wifi"', '"input:0"', '"switch:01"', '"events"'),
  );
  const paramMember: fc.Arbitrary<[string, string]> = componentKey.chain((key) => {
    const name = key.slice(1, -1).split(":")[0] ?? "";
    const spec = COMPONENTS.get(name);
    const value =
      key === '"ts"'
        ? fc.oneof(numberText, anyValueText)
        : key === '"sys"'
          ? tableText(SYS.fields)
          : spec === undefined
            ? anyValueText
            : fc.oneof({ weight: 5, arbitrary: tableText(spec.fields) }, anyValueText);
    return value.map((text): [string, string] => [key, text]);
  });
  const params = objectText(fc.array(paramMember, { maxLength: 5 }));
  const method = fc.oneof(
    fc.constantFrom('"NotifyStatus"', '"NotifyFullStatus"', '"NotifyEvent"', '"NotifyOther"'),
    stringText,
    anyValueText,
  );
  const envelopeMember: fc.Arbitrary<[string, string]> = fc.oneof(
    fc.tuple(fc.constant('"src"'), fc.oneof(stringText, fc.constant('"shellyemg4-a0b1c2d3e4f5"'))),
    fc.tuple(fc.constant('"dst"'), fc.oneof(stringText, anyValueText)),
    fc.tuple(fc.constant('"method"'), method),
    fc.tuple(fc.constant('"params"'), fc.oneof({ weight: 6, arbitrary: params }, anyValueText)),
    fc.tuple(fc.constantFrom('"id"', '"other"'), anyValueText),
  );
  const frame = objectText(fc.array(envelopeMember, { minLength: 2, maxLength: 6 }));

  it("on generated frames, valid or not", () => {
    fc.assert(
      fc.property(frame, (text) => {
        bothPaths("shellies/server-pm/events/rpc", text);
      }),
      { numRuns: 3_000 },
    );
  });

  it("takes clean NotifyStatus frames", () => {
    const clean = fc
      .tuple(
        fc.constantFrom("NotifyStatus", "NotifyFullStatus"),
        fc.double({ min: 0, max: 4e9, noNaN: true }),
        fc.constantFrom(...NAMES),
        fc.nat(3),
      )
      .chain(([methodName, ts, name, id]) => {
        const spec = COMPONENTS.get(name);
        if (spec === undefined) throw new Error(name);
        return cleanTableValue(spec.fields).map((status) => ({
          src: "shellypro4pm-30c6f7a4b5c6",
          dst: "x/events",
          method: methodName,
          params: { ts, [`${name}:${id}`]: { ...status, id } },
        }));
      });
    fc.assert(
      fc.property(clean, (value) => {
        expect(fastNotification(bytes(JSON.stringify(value)))).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe("the shared fixtures take the fast path", () => {
  for (const f of loadFixtures()) {
    const component = /\/status\/([a-z0-9]+):\d+$/.exec(f.topic)?.[1];
    if (component !== undefined) {
      it(`${f.name} (status)`, () => {
        const spec = COMPONENTS.get(component);
        if (spec === undefined) throw new Error(component);
        expect(fastComponentStatus(bytes(f.payload), spec.fast)).toBeDefined();
      });
    }
    if (f.topic.endsWith("/events/rpc")) {
      it(`${f.name} (notification)`, () => {
        expect(fastNotification(bytes(f.payload))).toBeDefined();
      });
    }
  }
});
