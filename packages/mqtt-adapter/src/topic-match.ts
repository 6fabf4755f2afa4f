const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/**
 * Whether a topic name matches a subscription filter, with the MQTT 3.1.1/5 rules: `+` matches
 * exactly one level (which may be empty), `#` matches any number of levels including none (so
 * `a/#` matches `a`), and a topic starting with `$` is not matched by a filter starting with a
 * wildcard. An empty or wildcard-bearing topic never matches; an invalid filter matches nothing
 * a valid one would not. Allocation-free, so it can run per message.
 */
export function matchTopic(filter: string, topic: string): boolean {
  const filterLength = filter.length;
  const topicLength = topic.length;
  if (filterLength === 0 || topicLength === 0) return false;
  if (topic.includes("+") || topic.includes("#")) return false;
  if (topic.charCodeAt(0) === DOLLAR) {
    const first = filter.charCodeAt(0);
    if (first === PLUS || first === HASH) return false;
  }
  let f = 0; // start of the current filter level
  let t = 0; // start of the current topic level; topicLength + 1 once the topic has no more
  for (;;) {
    let filterEnd = filter.indexOf("/", f);
    if (filterEnd === -1) filterEnd = filterLength;
    const levelLength = filterEnd - f;
    if (levelLength === 1 && filter.charCodeAt(f) === HASH) return filterEnd === filterLength;
    if (t > topicLength) return false;
    let topicEnd = topic.indexOf("/", t);
    if (topicEnd === -1) topicEnd = topicLength;
    if (!(levelLength === 1 && filter.charCodeAt(f) === PLUS)) {
      if (levelLength !== topicEnd - t) return false;
      for (let i = 0; i < levelLength; i++) {
        if (filter.charCodeAt(f + i) !== topic.charCodeAt(t + i)) return false;
      }
    }
    if (filterEnd === filterLength) return topicEnd === topicLength;
    f = filterEnd + 1;
    t = topicEnd + 1;
  }
}
