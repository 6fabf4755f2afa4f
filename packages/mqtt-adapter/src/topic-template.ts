import { MqttAdapterError } from "./errors";
import { quoteTopic, validateTopicFilter } from "./topic-validate";

type LevelName<Level extends string> = Level extends `{${infer Name}...}`
  ? Name
  : Level extends `{${infer Name}}`
    ? Name
    : never;
type Names<Template extends string> = Template extends `${infer Head}/${infer Rest}`
  ? LevelName<Head> | Names<Rest>
  : LevelName<Template>;

/** The capture names of a template literal type (`string` when the template is not a literal). */
export type TopicTemplateNames<Template extends string> = string extends Template
  ? string
  : Names<Template>;

/** A compiled topic template: the subscription filter to use and a matcher that extracts. */
export interface TopicTemplate<Name extends string = string> {
  /** The template as given. */
  readonly template: string;
  /**
   * The MQTT filter covering every topic the template matches, e.g. `+/+/status/+`. With a
   * multi-level capture that is not last, the filter ends in `#` at that capture and is wider
   * than the template: `match` does the rest.
   */
  readonly filter: string;
  /** Capture names in template order. */
  readonly names: readonly Name[];
  /** The captured levels by name, or undefined when the topic does not fit the template. */
  match(topic: string): Record<Name, string> | undefined;
}

type Part =
  | { kind: "literal"; text: string }
  | { kind: "one"; name: string }
  | { kind: "many"; name: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(template: string, problem: string): never {
  throw new MqttAdapterError(
    "INVALID_TEMPLATE",
    `invalid topic template ${quoteTopic(template)}: ${problem}`,
  );
}

function parseLevel(level: string, template: string): Part {
  if (level.startsWith("{") && level.endsWith("}")) {
    const inner = level.slice(1, -1);
    const many = inner.endsWith("...");
    const name = many ? inner.slice(0, -3) : inner;
    if (!NAME.test(name)) {
      invalid(template, `capture name ${JSON.stringify(name)} must match ${NAME.source}`);
    }
    if (name === "__proto__") invalid(template, `capture name "__proto__" is reserved`);
    return { kind: many ? "many" : "one", name };
  }
  if (/[{}]/.test(level)) {
    invalid(
      template,
      `level ${JSON.stringify(level)}: a capture must be a whole level, like {name}`,
    );
  }
  if (level.includes("+") || level.includes("#")) {
    invalid(
      template,
      `level ${JSON.stringify(level)}: use {name} or {name...} instead of wildcards`,
    );
  }
  return { kind: "literal", text: level };
}

/**
 * Compiles a template such as `"{company}/{office}/{room}/{device}/status/{component}"` into
 * its MQTT filter (`+/+/+/+/status/+`) and a matcher returning the captured levels by name.
 *
 * - `{name}` captures one non-empty level (`+` in the filter).
 * - `{name...}` captures one or more non-empty levels joined by `/`; at most one per template.
 *   Last, it becomes `#`. Elsewhere (`{prefix...}/status/{component}`) the filter becomes `#`
 *   from that level on, because MQTT has no wildcard for "several levels, then more": the
 *   broker sends a superset and `match` filters.
 * - A template starting with a capture does not match `$` topics, like `+` and `#`.
 * - Other levels are literal and must not contain `+`, `#`, `{` or `}`.
 *
 * Throws `INVALID_TEMPLATE` naming the template and the problem.
 */
export function compileTopicTemplate<const Template extends string>(
  template: Template,
): TopicTemplate<TopicTemplateNames<Template>> {
  if (typeof template !== "string" || template.length === 0) {
    invalid(String(template), "it is empty");
  }
  const parts = template.split("/").map((level) => parseLevel(level, template));
  const names: string[] = [];
  let manyIndex = -1;
  parts.forEach((part, index) => {
    if (part.kind === "literal") return;
    if (names.includes(part.name)) invalid(template, `capture {${part.name}} appears twice`);
    names.push(part.name);
    if (part.kind === "many") {
      if (manyIndex !== -1) invalid(template, "only one {name...} capture is allowed");
      manyIndex = index;
    }
  });
  const filterLevels: string[] = [];
  for (const part of parts) {
    if (part.kind === "many") {
      filterLevels.push("#");
      break;
    }
    filterLevels.push(part.kind === "one" ? "+" : part.text);
  }
  const filter = filterLevels.join("/");
  const check = validateTopicFilter(filter);
  if (!check.ok) invalid(template, check.error.message);
  const startsWithCapture = parts[0]?.kind !== "literal";
  const match =
    manyIndex === -1
      ? (topic: string) => matchFixed(parts, topic, startsWithCapture)
      : (topic: string) => matchWithMany(parts, manyIndex, topic, startsWithCapture);
  return {
    template,
    filter,
    names: names as TopicTemplateNames<Template>[],
    match: match as (topic: string) => Record<TopicTemplateNames<Template>, string> | undefined,
  };
}

function usable(topic: string, startsWithCapture: boolean): boolean {
  if (typeof topic !== "string" || topic.length === 0) return false;
  if (topic.includes("+") || topic.includes("#")) return false;
  return !(startsWithCapture && topic.charCodeAt(0) === 0x24);
}

function matchLevel(part: Part, level: string, out: Record<string, string>): boolean {
  if (part.kind === "literal") return part.text === level;
  if (level.length === 0) return false;
  out[part.name] = level;
  return true;
}

function matchFixed(
  parts: readonly Part[],
  topic: string,
  startsWithCapture: boolean,
): Record<string, string> | undefined {
  if (!usable(topic, startsWithCapture)) return undefined;
  const levels = topic.split("/");
  if (levels.length !== parts.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (!matchLevel(parts[i] as Part, levels[i] as string, out)) return undefined;
  }
  return out;
}

function matchWithMany(
  parts: readonly Part[],
  manyIndex: number,
  topic: string,
  startsWithCapture: boolean,
): Record<string, string> | undefined {
  if (!usable(topic, startsWithCapture)) return undefined;
  const levels = topic.split("/");
  if (levels.length < parts.length) return undefined;
  const shift = levels.length - parts.length; // extra levels taken by the {name...} capture
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Part;
    if (i === manyIndex) {
      const captured = levels.slice(i, i + shift + 1);
      if (captured.some((level) => level.length === 0)) return undefined;
      out[(part as { name: string }).name] = captured.join("/");
      continue;
    }
    const level = levels[i < manyIndex ? i : i + shift] as string;
    if (!matchLevel(part, level, out)) return undefined;
  }
  return out;
}
