/** What a command topic addresses (parsed from the right, as prefixes may contain slashes). */
export type CommandTarget =
  /** Gen2 simple control: `<prefix>/command/switch:<n>` with `on`, `off`, `toggle`, `status_update`. */
  | { kind: "switch"; prefix: string; channel: number }
  /** Gen2 JSON-RPC: `<prefix>/rpc`. */
  | { kind: "rpc"; prefix: string }
  /** Gen1: `shellies/<id>/relay/<n>/command` with `on`, `off`, `toggle`. */
  | { kind: "relay"; prefix: string; channel: number };

const SWITCH = /^(.+)\/command\/switch:(\d{1,3})$/;
const RELAY = /^(.+)\/relay\/(\d{1,3})\/command$/;

/** The target of a command topic, or undefined for any other topic. */
export function parseCommandTopic(topic: string): CommandTarget | undefined {
  if (topic.endsWith("/rpc") && topic.length > 4)
    return { kind: "rpc", prefix: topic.slice(0, -4) };
  let m = SWITCH.exec(topic);
  if (m !== null) return { kind: "switch", prefix: m[1]!, channel: Number(m[2]) };
  m = RELAY.exec(topic);
  if (m !== null) return { kind: "relay", prefix: m[1]!, channel: Number(m[2]) };
  return undefined;
}

/** A simple (non-RPC) command payload: `on`, `off`, `toggle` or (Gen2) `status_update`. */
export type SimpleCommand = "on" | "off" | "toggle" | "status_update";

/**
 * Reads a simple command payload (surrounding white space ignored); undefined for anything else,
 * including the flip-back forms `on,<s>`/`off,<s>` the simulator does not model.
 */
export function parseSimpleCommand(payload: string): SimpleCommand | undefined {
  const text = payload.trim();
  return text === "on" || text === "off" || text === "toggle" || text === "status_update"
    ? text
    : undefined;
}
