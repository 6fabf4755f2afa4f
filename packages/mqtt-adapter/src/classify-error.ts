import { MqttAdapterError } from "./errors";

/** What the classifier needs to know about the connection; no secrets in here. */
export interface ConnectionContext {
  redactedUrl: string;
  host: string;
  protocolVersion: 4 | 5;
  username: string | undefined;
  /** True while no CONNACK has been accepted on the current attempt. */
  connecting: boolean;
}

const V3_RETURN_CODES: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "client identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

const V5_REASON_CODES: Record<number, string> = {
  128: "unspecified error",
  129: "malformed packet",
  130: "protocol error",
  131: "implementation specific error",
  132: "unsupported protocol version",
  133: "client identifier not valid",
  134: "bad user name or password",
  135: "not authorized",
  136: "server unavailable",
  137: "server busy",
  138: "banned",
  140: "bad authentication method",
  149: "packet too large",
  151: "quota exceeded",
  156: "use another server",
  157: "server moved",
  159: "connection rate exceeded",
};

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
  if (answeredByV3Broker(code, protocolVersion)) return V3_RETURN_CODES[code]!;
  const table = protocolVersion === 5 ? V5_REASON_CODES : V3_RETURN_CODES;
  return table[code] ?? "unknown reason";
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
      `broker ${context.redactedUrl} refused the credentials: ${reason} (${label}); check the user name and password (${user}) and the broker's ACL`,
      { cause },
    );
  }
  const hint =
    code === 1 && context.protocolVersion === 5
      ? "check protocolVersion: the broker speaks MQTT 3.1.1 only, use 4 (protocol_version = 4)"
      : code === 1 || code === 0x84
        ? "check protocolVersion"
        : code === 2 || code === 0x85
          ? "check clientId (length, characters, uniqueness)"
          : "check the broker's log";
  return new MqttAdapterError(
    "CONNECTION_FAILED",
    `broker ${context.redactedUrl} refused the connection: ${reason} (${label}); ${hint}`,
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
  const hint = context.connecting
    ? "check that the broker runs and that host and port are right"
    : "the client reconnects";
  const what = context.connecting ? "could not connect to" : "lost the connection to";
  return new MqttAdapterError(
    "CONNECTION_FAILED",
    `${what} ${context.redactedUrl}: ${text}${label}; ${hint}`,
    { cause: err },
  );
}
