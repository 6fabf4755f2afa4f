import { MqttAdapterError } from "./errors";
import { mqtt5ReasonName, mqtt311ReturnName, protocolName } from "./reason-codes";

/** What the classifier needs to know about the connection; no secrets in here. */
export interface ConnectionContext {
  redactedUrl: string;
  host: string;
  protocolVersion: 4 | 5;
  username: string | undefined;
  /** True while no CONNACK has been accepted on the current attempt. */
  connecting: boolean;
}

const V3_AUTH = new Set([4, 5]);
const V5_AUTH = new Set([0x86, 0x87, 0x8a, 0x8c]);

/**
 * True when an MQTT 5 CONNECT was answered with a 3.1.1 return code (1-5, below every MQTT 5
 * failure code): the broker speaks 3.1.1 only and refused the version.
 */
function answeredByV3Broker(code: number, protocolVersion: 4 | 5): boolean {
  return protocolVersion === 5 && code >= 1 && code <= 5;
}

/** Human name of a CONNACK return code (3.1.1) or reason code (5). */
export function connackReasonName(code: number, protocolVersion: 4 | 5): string {
  if (protocolVersion === 4 || answeredByV3Broker(code, protocolVersion)) {
    return mqtt311ReturnName(code);
  }
  return mqtt5ReasonName(code);
}

function codeLabel(code: number, protocolVersion: 4 | 5): string {
  if (answeredByV3Broker(code, protocolVersion))
    return `CONNACK return code ${code} of an MQTT 3.1.1 broker`;
  return protocolVersion === 5
    ? `reason code 0x${code.toString(16).padStart(2, "0")}`
    : `CONNACK return code ${code}`;
}

/** Errors of Node's TLS layer and of OpenSSL, by their `code`. */
export function isTlsErrorCode(code: string): boolean {
  return (
    code.startsWith("ERR_TLS_") ||
    code.startsWith("ERR_SSL_") ||
    code.startsWith("ERR_OSSL_") ||
    code.includes("CERT") ||
    code.startsWith("UNABLE_TO_") ||
    code === "HOSTNAME_MISMATCH" ||
    code === "EPROTO"
  );
}

/** What to check for a CONNACK refusal that is not about credentials. */
function connackHint(code: number, protocolVersion: 4 | 5): string {
  if (answeredByV3Broker(code, protocolVersion)) {
    return code === 1
      ? "check protocolVersion: the broker does not speak MQTT 5 (it answered with an MQTT 3.1.1 CONNACK), use protocolVersion 4 (protocol_version = 4)"
      : "the broker answered with an MQTT 3.1.1 CONNACK: it does not speak MQTT 5, check protocolVersion and use 4";
  }
  switch (code) {
    case 1:
      return "check protocolVersion";
    case 0x84:
      return "check protocolVersion: the broker does not speak MQTT 5, use protocolVersion 4";
    case 2:
    case 0x85:
      return "check clientId (length, characters, uniqueness)";
    case 0x89:
    case 0x97:
    case 0x9f:
      return "the broker is overloaded or rate-limits this client; the client retries with backoff";
    case 0x9c:
    case 0x9d:
      return "the broker sends clients elsewhere: list the other nodes in urls";
    case 0x95:
      return "the CONNECT packet is too large for the broker (long will or user name?)";
    default:
      return "check the broker's log";
  }
}

/**
 * The error mqtt.js does not give when a connection closes after CONNECT and before any
 * CONNACK; {@link classifyConnectionError} explains it with the protocol version in use.
 */
export class ClosedBeforeConnackError extends Error {
  constructor() {
    super("the connection closed before the broker sent a CONNACK");
    this.name = "ClosedBeforeConnackError";
  }
}

/** The CONNACK refusal as an `AUTH_FAILED` or `CONNECTION_FAILED` error. */
export function connackError(
  code: number,
  context: ConnectionContext,
  cause?: unknown,
): MqttAdapterError {
  const reason = connackReasonName(code, context.protocolVersion);
  const label = codeLabel(code, context.protocolVersion);
  const auth = context.protocolVersion === 5 ? V5_AUTH.has(code) : V3_AUTH.has(code);
  if (auth) {
    const user =
      context.username === undefined ? "no user name" : `user ${JSON.stringify(context.username)}`;
    return new MqttAdapterError(
      "AUTH_FAILED",
      `broker ${context.redactedUrl} refused the credentials (${protocolName(context.protocolVersion)}): ${reason} (${label}); check the user name and password (${user}) and the broker's ACL`,
      { cause },
    );
  }
  const hint = connackHint(code, context.protocolVersion);
  return new MqttAdapterError(
    "CONNECTION_FAILED",
    `broker ${context.redactedUrl} refused the connection (${protocolName(context.protocolVersion)}): ${reason} (${label}); ${hint}`,
    { cause },
  );
}

/**
 * Maps an error reported by mqtt.js or by the socket to a typed {@link MqttAdapterError}.
 * Messages say what to check; they contain the redacted URL and the user name, never a secret.
 */
export function classifyConnectionError(
  error: unknown,
  context: ConnectionContext,
): MqttAdapterError {
  if (error instanceof MqttAdapterError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const code = (err as { code?: unknown }).code;
  if (typeof code === "number" && context.connecting) return connackError(code, context, err);
  const text = err.message;
  if (
    (typeof code === "string" && isTlsErrorCode(code)) ||
    /\b(TLS|SSL|certificate)\b/i.test(text)
  ) {
    const label = typeof code === "string" ? ` (${code})` : "";
    return new MqttAdapterError(
      "TLS_FAILED",
      `TLS with ${context.redactedUrl} failed: ${text}${label}; check that tls.ca/caFile holds the CA that signed the broker's certificate, that the certificate is valid for "${context.host}", and that the client certificate and key are the ones the broker trusts`,
      { cause: err },
    );
  }
  const label = typeof code === "string" || typeof code === "number" ? ` (${code})` : "";
  const version = protocolName(context.protocolVersion);
  if (err instanceof ClosedBeforeConnackError) {
    const hint =
      context.protocolVersion === 5
        ? "some brokers (RabbitMQ 3.x) close the connection without a word on a protocol version they do not speak: try protocolVersion 4; otherwise check that host and port lead to an MQTT broker and read the broker's log"
        : "check that host and port lead to an MQTT broker (not a TLS or WebSocket-only listener) and read the broker's log";
    return new MqttAdapterError(
      "CONNECTION_FAILED",
      `could not connect to ${context.redactedUrl} (${version}): ${text}; ${hint}`,
      { cause: err },
    );
  }
  const hint = context.connecting
    ? "check that the broker runs and that host and port are right"
    : "the client reconnects";
  const what = context.connecting ? "could not connect to" : "lost the connection to";
  return new MqttAdapterError(
    "CONNECTION_FAILED",
    `${what} ${context.redactedUrl} (${version}): ${text}${label}; ${hint}`,
    { cause: err },
  );
}
