import { MqttAdapterError } from "./errors";

/** Longest topic or filter MQTT can carry, in UTF-8 bytes (a 16-bit length prefix). */
export const MAX_TOPIC_BYTES = 65_535;

/**
 * Outcome of {@link validateTopic} / {@link validateTopicFilter}: a result instead of a throw,
 * because topics often come from configuration or from the network. `error` is ready to throw.
 */
export type TopicValidation = { ok: true } | { ok: false; error: MqttAdapterError };

const VALID: TopicValidation = Object.freeze({ ok: true });
const LONE_SURROGATE = /\p{Cs}/u;

/** Quotes a topic for an error message, shortened so a 64 KiB filter does not flood a log. */
export function quoteTopic(topic: string): string {
  if (topic.length <= 120) return JSON.stringify(topic);
  return `${JSON.stringify(topic.slice(0, 120))}… (${topic.length} characters)`;
}

function commonProblem(text: string): string | undefined {
  if (text.length === 0) return "it is empty";
  if (text.includes("\u0000")) return "it contains the NUL character U+0000";
  if (LONE_SURROGATE.test(text)) return "it is not well-formed UTF-8 (lone surrogate)";
  // 3 bytes per UTF-16 code unit is the worst case, so short strings skip the count.
  if (text.length * 3 > MAX_TOPIC_BYTES) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_TOPIC_BYTES) return `it is ${bytes} bytes long (at most ${MAX_TOPIC_BYTES})`;
  }
  return undefined;
}

/**
 * Checks a topic name that is published to: not empty, no `+` or `#`, no NUL, well-formed,
 * at most 65535 UTF-8 bytes. Failure carries an `INVALID_TOPIC` error naming the topic.
 */
export function validateTopic(topic: string): TopicValidation {
  if (typeof topic !== "string") return invalid("INVALID_TOPIC", "topic", topic, "not a string");
  let problem = commonProblem(topic);
  if (problem === undefined && (topic.includes("+") || topic.includes("#"))) {
    problem = "wildcards + and # are only allowed in subscription filters";
  }
  return problem === undefined ? VALID : invalid("INVALID_TOPIC", "topic", topic, problem);
}

/**
 * Checks a subscription filter: not empty, no NUL, at most 65535 UTF-8 bytes, `+` only as a
 * whole level, `#` only as the whole last level. Failure carries an `INVALID_TOPIC_FILTER`
 * error whose message names the filter and says what is wrong.
 */
export function validateTopicFilter(filter: string): TopicValidation {
  if (typeof filter !== "string") {
    return invalid("INVALID_TOPIC_FILTER", "topic filter", filter, "not a string");
  }
  const problem = commonProblem(filter) ?? wildcardProblem(filter);
  return problem === undefined
    ? VALID
    : invalid("INVALID_TOPIC_FILTER", "topic filter", filter, problem);
}

function wildcardProblem(filter: string): string | undefined {
  if (!filter.includes("+") && !filter.includes("#")) return undefined;
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level.includes("#")) {
      if (level !== "#") return `"#" must be a whole level, found ${JSON.stringify(level)}`;
      if (i !== levels.length - 1) return `"#" must be the last level`;
    } else if (level.includes("+") && level !== "+") {
      return `"+" must be a whole level, found ${JSON.stringify(level)}`;
    }
  }
  return undefined;
}

function invalid(
  code: "INVALID_TOPIC" | "INVALID_TOPIC_FILTER",
  what: string,
  value: unknown,
  problem: string,
): TopicValidation {
  const shown = typeof value === "string" ? quoteTopic(value) : String(value);
  return { ok: false, error: new MqttAdapterError(code, `invalid ${what} ${shown}: ${problem}`) };
}
