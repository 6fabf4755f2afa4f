import { SHELLY_MAX_TOPIC_BYTES } from "../limits";
import type { ShellyParseErrorCode } from "../parse-error-codes";
import { BoundedCache } from "./bounded-cache";
import { excerpt } from "./clip";
import { type Route, routeTopic } from "./topic-route";
import { utf8LengthExceeds } from "./utf8-length";

/** A topic rejected before its payload is looked at. */
export interface TopicRejection {
  readonly type: "rejected";
  readonly code: ShellyParseErrorCode;
  readonly message: string;
}

/** Wildcards, which a published topic cannot contain. */
const WILDCARDS = /[+#]/;
/** U+0000, forbidden in MQTT topics. */
const NUL = String.fromCharCode(0);

/** Longer topics are classified every time (keeps the cache's memory small). */
const CACHEABLE_LENGTH = 256;
/** Verdicts of the last (up to 4096) distinct topics. */
const cache = new BoundedCache<string, Route | TopicRejection>(65_536);

function rejection(code: ShellyParseErrorCode, message: string): TopicRejection {
  return { type: "rejected", code, message };
}

function classify(topic: string): Route | TopicRejection {
  if (topic.length === 0) return rejection("INVALID_TOPIC", "topic is empty");
  if (utf8LengthExceeds(topic, SHELLY_MAX_TOPIC_BYTES)) {
    return rejection(
      "TOPIC_TOO_LONG",
      `topic is longer than ${SHELLY_MAX_TOPIC_BYTES} bytes: ${excerpt(topic)}`,
    );
  }
  if (WILDCARDS.test(topic) || topic.includes(NUL)) {
    return rejection("INVALID_TOPIC", `topic contains +, # or U+0000: ${excerpt(topic)}`);
  }
  return (
    routeTopic(topic) ?? rejection("NOT_SHELLY_TOPIC", `not a Shelly topic: ${excerpt(topic)}`)
  );
}

/**
 * Where a topic leads, or why it is rejected. Devices publish the same few topics over and over,
 * so verdicts are memoised in a bounded map (a pure function of the topic; never returned to
 * callers, who always get fresh result objects).
 */
export function topicVerdict(topic: string): Route | TopicRejection {
  const known = cache.get(topic);
  if (known !== undefined) return known;
  const verdict = classify(topic);
  if (topic.length <= CACHEABLE_LENGTH) cache.set(topic, verdict);
  return verdict;
}
