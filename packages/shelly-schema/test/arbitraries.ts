/**
 * fast-check generators of Shelly-like JSON *text*: numbers in every JSON spelling (including
 * ones that overflow to Infinity), strings with and without escapes, objects built from the
 * package's own field tables with random whitespace, unknown and duplicated keys, wrong types and
 * the occasional syntax error. Used to prove that the byte fast path and the general path agree.
 */
import fc from "fast-check";
import type { FieldTable, LeafKind } from "../src/schemas/field-table";

const whitespace = fc.constantFrom("", "", "", " ", "  ", "\n", "\t", "\r\n");

/** Valid JSON number spellings (some overflow to ±Infinity or underflow to 0). */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc
    .tuple(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.nat(6))
    .map(([value, digits]) => value.toFixed(digits)),
  fc
    .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.nat(16))
    .map(([value, digits]) => value.toExponential(digits)),
  fc.integer({ min: -1000, max: 1_000_000 }).map(String),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,18})(\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?$/),
  fc.constantFrom(
    "0",
    "-0",
    "-0.0",
    "0.000",
    "1e400",
    "-1e400",
    "1e-400",
    "5e-324",
    "1.7976931348623157e308",
    "9007199254740993",
    "123456789012345678901234567890",
    "0.1",
    "50.0",
    "52847.213",
    "-1386.2",
  ),
);

/** Text that is not a JSON number although it looks like one. */
const brokenNumberText = fc.constantFrom(
  "01",
  "+1",
  ".5",
  "1.",
  "1e",
  "-",
  "NaN",
  "Infinity",
  "0x1",
);

/** JSON string literals: plain ASCII, escapes, non-ASCII, control characters escaped. */
export const stringText: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9_:. -]{0,12}$/).map((text) => `"${text}"`),
  fc.string({ maxLength: 8 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: "grapheme", maxLength: 4 }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"caf\\u00e9"', '"a\\"b"', '"\\/"', '"tab\\there"', '"\\ud83d\\ude00"'),
);

/** Any JSON value as text (bounded size), including deeply nested arrays. */
export const anyValueText: fc.Arbitrary<string> = fc.oneof(
  numberText,
  stringText,
  fc.constantFrom("true", "false", "null", "[]", "{}", '"12"', "[1,2,3]", '{"a":{"b":[null]}}'),
  fc.json({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 40 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`),
);

function arrayText(item: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(item, { maxLength: 4 }), whitespace, whitespace)
    .map(([items, before, after]) => `[${before}${items.join(`${after},${before}`)}${after}]`);
}

/** A plausible value of a leaf kind: usually the right type, sometimes deliberately not. */
function leafText(kind: LeafKind): fc.Arbitrary<string> {
  const right: Record<LeafKind, fc.Arbitrary<string>> = {
    number: numberText,
    nullableNumber: fc.oneof(numberText, fc.constant("null")),
    counter: numberText,
    nullableCounter: fc.oneof(numberText, fc.constant("null")),
    unixSeconds: fc.oneof(numberText, fc.double({ min: 0, max: 2e9, noNaN: true }).map(String)),
    componentId: fc.oneof(fc.nat(5).map(String), numberText),
    boolean: fc.constantFrom("true", "false"),
    string: stringText,
    numberArray: arrayText(numberText),
    stringArray: arrayText(stringText),
  };
  return fc.oneof(
    { weight: 6, arbitrary: right[kind] },
    { weight: 1, arbitrary: anyValueText },
    { weight: 1, arbitrary: brokenNumberText },
  );
}

/** A key as JSON text: usually plain, sometimes spelled with an escape or as a near miss. */
function keyText(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(`"${name}"`) },
    {
      weight: 1,
      arbitrary: fc.constant(
        `"\\u${name.charCodeAt(0).toString(16).padStart(4, "0")}${name.slice(1)}"`,
      ),
    },
    { weight: 1, arbitrary: fc.constant(`"${name} "`) },
  );
}

const unknownKeyText = fc.oneof(
  fc.stringMatching(/^[a-z_]{1,8}$/).map((key) => `"${key}"`),
  fc.constantFrom('"__proto__"', '"constructor"', '"toString"', '"tag"', '"counts"', '"source"'),
  fc.string({ maxLength: 6 }).map((key) => JSON.stringify(key)),
);

/** An object's members as text, from a list of [keyText, valueText]. */
export function objectText(members: fc.Arbitrary<Array<[string, string]>>): fc.Arbitrary<string> {
  return fc
    .tuple(members, whitespace, whitespace, fc.nat(40))
    .map(([list, before, after, mistake]) => {
      const body = list.map(([key, value]) => `${before}${key}${after}:${before}${value}${after}`);
      let text = `{${body.join(",")}}`;
      if (mistake === 0) text = `{${body.join(",")},}`;
      if (mistake === 1) text = text.replace(":", "");
      if (mistake === 2) text = `${text}}`;
      return text;
    });
}

/** A JSON object for a field table: known fields (sometimes repeated), unknown fields, noise. */
export function tableText(table: FieldTable, depth = 0): fc.Arbitrary<string> {
  const known = Object.entries(table).map(([name, kind]) =>
    fc.tuple(
      keyText(name),
      typeof kind === "string" || depth > 2
        ? leafText(typeof kind === "string" ? kind : "number")
        : fc.oneof({ weight: 5, arbitrary: tableText(kind, depth + 1) }, anyValueText),
    ),
  );
  const member = fc.oneof(
    { weight: 4, arbitrary: fc.oneof(...known) },
    { weight: 1, arbitrary: fc.tuple(unknownKeyText, anyValueText) },
  );
  return objectText(fc.array(member, { maxLength: 8 }));
}

/**
 * A clean, valid object for a field table: every value of the right type and in range, ASCII
 * strings without escapes, no repeated keys. The fast path must accept all of these.
 */
export function cleanTableValue(table: FieldTable): fc.Arbitrary<Record<string, unknown>> {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const asciiString = fc.stringMatching(/^[a-zA-Z0-9_:. -]{0,12}$/);
  const leaf: Record<LeafKind, fc.Arbitrary<unknown>> = {
    number: finite,
    nullableNumber: fc.option(finite, { nil: null }),
    counter: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
    nullableCounter: fc.option(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), {
      nil: null,
    }),
    unixSeconds: fc.double({ min: 0, max: 4e9, noNaN: true }),
    componentId: fc.nat(1000),
    boolean: fc.boolean(),
    string: asciiString,
    numberArray: fc.array(finite, { maxLength: 3 }),
    stringArray: fc.array(asciiString, { maxLength: 3 }),
  };
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, kind] of Object.entries(table)) {
    shape[name] = typeof kind === "string" ? leaf[kind] : cleanTableValue(kind);
  }
  return fc.record(shape, { requiredKeys: [] });
}
