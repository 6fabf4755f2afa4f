/**
 * MQTT 5 reason codes of CONNACK and DISCONNECT packets with the names the MQTT 5.0 spec gives
 * them (sections 3.2.2.2 and 3.14.2.1). Both packets share one code space: a code means the
 * same in either.
 */
const MQTT5_REASON_NAMES: Readonly<Record<number, string>> = {
  0: "Normal disconnection",
  4: "Disconnect with Will Message",
  128: "Unspecified error",
  129: "Malformed Packet",
  130: "Protocol Error",
  131: "Implementation specific error",
  132: "Unsupported Protocol Version",
  133: "Client Identifier not valid",
  134: "Bad User Name or Password",
  135: "Not authorized",
  136: "Server unavailable",
  137: "Server busy",
  138: "Banned",
  139: "Server shutting down",
  140: "Bad authentication method",
  141: "Keep Alive timeout",
  142: "Session taken over",
  143: "Topic Filter invalid",
  144: "Topic Name invalid",
  147: "Receive Maximum exceeded",
  148: "Topic Alias invalid",
  149: "Packet too large",
  150: "Message rate too high",
  151: "Quota exceeded",
  152: "Administrative action",
  153: "Payload format invalid",
  154: "Retain not supported",
  155: "QoS not supported",
  156: "Use another server",
  157: "Server moved",
  158: "Shared Subscriptions not supported",
  159: "Connection rate exceeded",
  160: "Maximum connect time",
  161: "Subscription Identifiers not supported",
  162: "Wildcard Subscriptions not supported",
};

/** MQTT 3.1.1 CONNACK return codes 1-5 (spec section 3.2.2.3). */
const MQTT311_RETURN_NAMES: Readonly<Record<number, string>> = {
  1: "unacceptable protocol version",
  2: "client identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

/**
 * The spec name of an MQTT 5 CONNACK or DISCONNECT reason code (`0x87` → "Not authorized"), or
 * "unknown reason" for a code the spec does not define there. Never throws.
 */
export function mqtt5ReasonName(code: unknown): string {
  return typeof code === "number" ? (MQTT5_REASON_NAMES[code] ?? "unknown reason") : "no reason";
}

/** The name of an MQTT 3.1.1 CONNACK return code (`4` → "bad user name or password"). */
export function mqtt311ReturnName(code: number): string {
  return MQTT311_RETURN_NAMES[code] ?? "unknown reason";
}

/** "MQTT 5" or "MQTT 3.1.1": how messages name the protocol version in use. */
export function protocolName(protocolVersion: 4 | 5): string {
  return protocolVersion === 5 ? "MQTT 5" : "MQTT 3.1.1";
}
