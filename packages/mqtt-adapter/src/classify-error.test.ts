import { describe, expect, it } from "vitest";
import {
  ClosedBeforeConnackError,
  type ConnectionContext,
  classifyConnectionError,
  connackError,
} from "./classify-error";

const context: ConnectionContext = {
  redactedUrl: "mqtt://alice:***@h:1883",
  host: "h",
  protocolVersion: 4,
  username: "alice",
  connecting: true,
};

function withCode(message: string, code: string | number): Error {
  return Object.assign(new Error(message), { code });
}

describe("classifyConnectionError", () => {
  it.each([
    [4, 4, "AUTH_FAILED"],
    [4, 5, "AUTH_FAILED"],
    [5, 0x86, "AUTH_FAILED"],
    [5, 0x87, "AUTH_FAILED"],
    [5, 0x8c, "AUTH_FAILED"],
    [4, 1, "CONNECTION_FAILED"],
    [4, 3, "CONNECTION_FAILED"],
    [5, 0x84, "CONNECTION_FAILED"],
    [5, 0x88, "CONNECTION_FAILED"],
  ] as const)("v%d CONNACK code %d is %s", (protocolVersion, code, expected) => {
    const error = classifyConnectionError(withCode("Connection refused", code), {
      ...context,
      protocolVersion,
    });
    expect(error.code).toBe(expected);
  });

  it("an MQTT 5 CONNECT refused by a 3.1.1-only broker says so, not 'unknown reason (0x01)'", () => {
    const error = connackError(1, { ...context, protocolVersion: 5 });
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(error.message).toBe(
      "broker mqtt://alice:***@h:1883 refused the connection (MQTT 5): unacceptable protocol version (CONNACK return code 1 of an MQTT 3.1.1 broker); check protocolVersion: the broker does not speak MQTT 5 (it answered with an MQTT 3.1.1 CONNACK), use protocolVersion 4 (protocol_version = 4)",
    );
  });

  it("says what to check for a refused password, without the password", () => {
    expect(connackError(4, context).message).toBe(
      'broker mqtt://alice:***@h:1883 refused the credentials (MQTT 3.1.1): bad user name or password (CONNACK return code 4); check the user name and password (user "alice") and the broker\'s ACL',
    );
    expect(connackError(0x86, { ...context, protocolVersion: 5 }).message).toContain(
      "(reason code 0x86)",
    );
    expect(connackError(1, context).message).toBe(
      "broker mqtt://alice:***@h:1883 refused the connection (MQTT 3.1.1): unacceptable protocol version (CONNACK return code 1); check protocolVersion",
    );
  });

  it.each([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "CERT_HAS_EXPIRED",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
    "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  ])("%s is TLS_FAILED", (code) => {
    const error = classifyConnectionError(withCode("nope", code), context);
    expect(error.code).toBe("TLS_FAILED");
    expect(error.message).toContain(`(${code}); check that tls.ca/caFile holds the CA`);
  });

  it("classifies socket errors as CONNECTION_FAILED, mentioning the phase", () => {
    const refused = classifyConnectionError(
      withCode("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"),
      context,
    );
    expect([refused.code, refused.message]).toEqual([
      "CONNECTION_FAILED",
      "could not connect to mqtt://alice:***@h:1883 (MQTT 3.1.1): connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED); check that the broker runs and that host and port are right",
    ]);
    const lost = classifyConnectionError(new Error("Keepalive timeout"), {
      ...context,
      connecting: false,
    });
    expect(lost.message).toBe(
      "lost the connection to mqtt://alice:***@h:1883 (MQTT 3.1.1): Keepalive timeout; the client reconnects",
    );
    expect(classifyConnectionError("weird", context).code).toBe("CONNECTION_FAILED");
  });

  it("does not treat a numeric code after the CONNACK as a refusal", () => {
    const error = classifyConnectionError(withCode("Receive Maximum exceeded", 147), {
      ...context,
      connecting: false,
    });
    expect(error.code).toBe("CONNECTION_FAILED");
  });

  it.each([
    [0x84, "Unsupported Protocol Version", "check protocolVersion"],
    [0x8e, "Session taken over", "check the broker's log"],
    [0x97, "Quota exceeded", "retries with backoff"],
    [0x99, "Payload format invalid", "check the broker's log"],
    [0x9c, "Use another server", "list the other nodes in urls"],
    [0x9f, "Connection rate exceeded", "retries with backoff"],
  ])("names MQTT 5 CONNACK reason code 0x%s by the spec: %s", (code, name, hint) => {
    const error = connackError(code, { ...context, protocolVersion: 5 });
    expect(error.code).toBe("CONNECTION_FAILED");
    expect(error.message).toContain(
      `refused the connection (MQTT 5): ${name} (reason code 0x${code.toString(16)}); `,
    );
    expect(error.message).toContain(hint);
  });

  it("names 0x87 Not authorized as an AUTH_FAILED over MQTT 5", () => {
    expect(connackError(0x87, { ...context, protocolVersion: 5 }).message).toBe(
      'broker mqtt://alice:***@h:1883 refused the credentials (MQTT 5): Not authorized (reason code 0x87); check the user name and password (user "alice") and the broker\'s ACL',
    );
  });

  it("explains a connection closed without CONNACK by the protocol version in use", () => {
    const v5 = classifyConnectionError(new ClosedBeforeConnackError(), {
      ...context,
      protocolVersion: 5,
    });
    expect([v5.code, v5.message]).toEqual([
      "CONNECTION_FAILED",
      "could not connect to mqtt://alice:***@h:1883 (MQTT 5): the connection closed before the broker sent a CONNACK; some brokers (RabbitMQ 3.x) close the connection without a word on a protocol version they do not speak: try protocolVersion 4; otherwise check that host and port lead to an MQTT broker and read the broker's log",
    ]);
    const v4 = classifyConnectionError(new ClosedBeforeConnackError(), context);
    expect(v4.message).toBe(
      "could not connect to mqtt://alice:***@h:1883 (MQTT 3.1.1): the connection closed before the broker sent a CONNACK; check that host and port lead to an MQTT broker (not a TLS or WebSocket-only listener) and read the broker's log",
    );
  });
});
