import { randomBytes } from "node:crypto";
import { MqttAdapterError } from "./errors";
import { type Logger, silentLogger } from "./logger";
import { redactUrl } from "./redact";
import { validateTopic, validateTopicFilter } from "./topic-validate";

/** MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once (per hop). */
export type QoS = 0 | 1 | 2;

/** One subscription: an MQTT topic filter (wildcards `+` and `#` allowed) and its QoS. */
export interface Subscription {
  filter: string;
  qos: QoS;
  /**
   * MQTT 5 No Local: the broker does not send this client the messages it published itself.
   * Ignored with MQTT 3.1.1, which has no such option: filter your own messages there.
   * Default false.
   */
  noLocal?: boolean;
}

/**
 * TLS settings for `mqtts://` and `wss://`. Material may be given as file paths (read when
 * `connect()` starts) or as PEM strings/bytes; `ca` and `caFile` may both be given (both are
 * trusted), a certificate or key only one way. Server verification is on unless
 * `rejectUnauthorized: false` is set explicitly.
 */
export interface TlsOptions {
  /** Path of a PEM file with the CA certificate(s) that signed the broker's certificate. */
  caFile?: string;
  /** Path of the PEM client certificate, for brokers that require one. */
  certFile?: string;
  /** Path of the PEM private key of the client certificate. */
  keyFile?: string;
  /** PEM CA certificate(s), as text or bytes. Default: Node's bundled public CAs. */
  ca?: string | Uint8Array;
  /** PEM client certificate, as text or bytes. */
  cert?: string | Uint8Array;
  /** PEM private key, as text or bytes. A secret: never logged. */
  key?: string | Uint8Array;
  /** Passphrase of an encrypted private key. A secret: never logged. */
  passphrase?: string;
  /** Verify the broker's certificate chain and name. Default true; false must be explicit. */
  rejectUnauthorized?: boolean;
  /** Name to verify the certificate against (SNI). Default: the URL's host when it is a name. */
  servername?: string;
}

/** Reconnect backoff: exponential with jitter between the two bounds, in milliseconds. */
export interface ReconnectOptions {
  /** First retry waits between this and twice this, in ms. Default 1000. */
  minDelayMs?: number;
  /** Upper bound of any wait, in ms; also the wait after `AUTH_FAILED`/`TLS_FAILED`. Default 30000. */
  maxDelayMs?: number;
}

/** Bounds of the outgoing queue; when either of the first two is reached `publish()` drops. */
export interface PublishQueueOptions {
  /** Most messages waiting to be handed to mqtt.js. Default 10000. */
  maxMessages?: number;
  /** Most payload + topic bytes waiting to be handed to mqtt.js. Default 8 MiB (8388608). */
  maxBytes?: number;
  /** Most publishes handed to mqtt.js and not yet confirmed (QoS 0: written). Default 100, at most 1000. */
  maxInFlight?: number;
}

/** Everything {@link createMqttClient} accepts. Only `url` (or `urls`) is required. */
export interface MqttClientOptions {
  /**
   * Broker URL: `mqtt://`, `mqtts://`, `ws://` or `wss://`, optionally `user:password@`.
   * Give this or `urls`, not both.
   */
  url?: string;
  /**
   * Several URLs of one broker cluster, for failover: each connection attempt after a failure
   * or a lost connection goes to the next URL, round robin. Each is checked like `url`. Give
   * this or `url`, not both.
   */
  urls?: readonly string[];
  /** Client identifier; needed for a persistent session. Default `mqtt-adapter-` + 8 hex digits. */
  clientId?: string;
  /** User name for the broker (may also come from the URL, not both). */
  username?: string;
  /** Password for the broker (may also come from the URL, not both). A secret: never logged. */
  password?: string;
  /** 4 for MQTT 3.1.1, 5 for MQTT 5. Default 4. */
  protocolVersion?: 4 | 5;
  /** Keepalive interval in seconds, 0 to disable. Default 60. */
  keepaliveS?: number;
  /**
   * Start without a stored session (MQTT 5: Clean Start). Default true, except MQTT 5 with
   * `sessionExpiryIntervalS` > 0, where it defaults to false so the session is resumed.
   */
  clean?: boolean;
  /** MQTT 5 only: how long, in seconds, the broker keeps the session after a disconnect. */
  sessionExpiryIntervalS?: number;
  /** TLS settings; only valid with `mqtts://` and `wss://`. */
  tls?: TlsOptions;
  /** Subscribed on every (re)connection. Default none. */
  subscriptions?: readonly Subscription[];
  /** Retained `online`/`offline` status with a last will; see the README. Default none. */
  statusTopic?: string;
  /** Reconnect backoff bounds. */
  reconnect?: ReconnectOptions;
  /** Time allowed for TCP + TLS + CONNACK of one attempt, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Time `close()` may spend flushing and saying `offline`, in ms. Default 5000. */
  closeTimeoutMs?: number;
  /** Bounds of the outgoing queue. */
  publishQueue?: PublishQueueOptions;
  /** Structured logger (pino fits). Default: silent. */
  logger?: Logger;
  /**
   * Called synchronously once per turn of the event loop in which messages were handled, after
   * their handlers finished and right before their acknowledgements (PUBACK, PUBCOMP) go to the
   * socket, and before `close()` lets them go. Make what the handlers did durable here, once
   * per batch (one journal write) instead of once per message: no acknowledgement of these
   * messages reaches the broker before it returns. If it throws, the connection is dropped
   * without sending them (`HANDLER_FAILED` error event) and the broker delivers them again after
   * the reconnect, so the handler sees them twice. Default none.
   */
  beforeAcks?: () => void;
  /**
   * Time the handlers of one turn of the event loop may take, ms: once spent, the rest of a
   * socket read (mqtt.js would otherwise handle all of it, hundreds or thousands of messages,
   * in one turn) is handled in later turns, so that timers and other I/O are not held up.
   * Nothing is dropped or reordered. `Infinity`: never yield. Default 8.
   */
  turnBudgetMs?: number;
  /**
   * How long the socket stays corked once an acknowledgement or a publish was written to it, ms.
   * Meanwhile the acknowledgements of the next messages (and `beforeAcks`, once for all of them)
   * and further publishes join the same write: under a steady stream a batch of messages costs
   * one journal write and one system call instead of one of each per socket read. No
   * acknowledgement or publish waits longer than this. 0: until the end of the current turn of
   * the event loop only. Keep it below what the broker allows in flight to this client (see
   * `writeHoldMaxAcks`). Default 0.
   */
  writeHoldMs?: number;
  /**
   * Acknowledgements a hold gathers at most: once this many wait, they leave at the end of the
   * current turn instead of when `writeHoldMs` runs out, so that a broker that sends at most so
   * many unacknowledged messages at a time (Mosquitto: 20) is never kept waiting. Default 10.
   */
  writeHoldMaxAcks?: number;
}

/** One broker URL, parsed; internal. */
export interface Endpoint {
  protocol: "mqtt" | "mqtts" | "ws" | "wss";
  host: string;
  /** The host as it appears in a URL (IPv6 in brackets), for WebSocket URLs. */
  urlHost: string;
  port: number;
  /** WebSocket path and query; "" for TCP. */
  path: string;
  redactedUrl: string;
  /** Credentials from this URL, else from the `username`/`password` options. */
  username: string | undefined;
  password: string | undefined;
}

/** Options after validation and defaults; internal. */
export interface ResolvedClientOptions {
  /** Every broker URL, in the order given (one for `url`); the fields below are the first's. */
  endpoints: Endpoint[];
  protocol: "mqtt" | "mqtts" | "ws" | "wss";
  host: string;
  /** The host as it appears in a URL (IPv6 in brackets), for WebSocket URLs. */
  urlHost: string;
  port: number;
  /** WebSocket path and query; "" for TCP. */
  path: string;
  redactedUrl: string;
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  protocolVersion: 4 | 5;
  keepaliveS: number;
  clean: boolean;
  sessionExpiryIntervalS: number | undefined;
  tls: TlsOptions | undefined;
  subscriptions: Subscription[];
  statusTopic: string | undefined;
  minDelayMs: number;
  maxDelayMs: number;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  maxMessages: number;
  maxBytes: number;
  maxInFlight: number;
  logger: Logger;
  beforeAcks: (() => void) | undefined;
  turnBudgetMs: number;
  writeHoldMs: number;
  writeHoldMaxAcks: number;
}

/**
 * Time the message handlers of one turn of the event loop may take before the rest of a socket
 * read waits for a later turn, ms ({@link MqttClientOptions.turnBudgetMs}'s default).
 */
export const DEFAULT_TURN_BUDGET_MS = 8;

/** Acknowledgements a write hold gathers at most ({@link MqttClientOptions.writeHoldMaxAcks}'s default). */
export const DEFAULT_WRITE_HOLD_MAX_ACKS = 10;

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
const TOP_KEYS = [
  "url",
  "urls",
  "clientId",
  "username",
  "password",
  "protocolVersion",
  "keepaliveS",
  "clean",
  "sessionExpiryIntervalS",
  "tls",
  "subscriptions",
  "statusTopic",
  "reconnect",
  "connectTimeoutMs",
  "closeTimeoutMs",
  "publishQueue",
  "logger",
  "beforeAcks",
  "turnBudgetMs",
  "writeHoldMs",
  "writeHoldMaxAcks",
];
const TLS_KEYS = [
  "caFile",
  "certFile",
  "keyFile",
  "ca",
  "cert",
  "key",
  "passphrase",
  "rejectUnauthorized",
  "servername",
];
const RECONNECT_KEYS = ["minDelayMs", "maxDelayMs"];
const QUEUE_KEYS = ["maxMessages", "maxBytes", "maxInFlight"];
const MAX_TIMER_MS = 2_147_483_647;

function fail(message: string): never {
  throw new MqttAdapterError("INVALID_OPTIONS", message);
}

function checkKeys(value: unknown, known: readonly string[], where: string): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`${where} must be an object`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const hint = known.find((k) => k.toLowerCase().startsWith(key.toLowerCase()));
      fail(`unknown option ${where}.${key}${hint ? ` (did you mean ${hint}?)` : ""}`);
    }
  }
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) fail(`${name} must be a non-empty string`);
  return value;
}

/** Parses and checks a broker URL; throws `INVALID_URL` without ever echoing a password. */
function parseUrl(url: unknown): {
  protocol: ResolvedClientOptions["protocol"];
  host: string;
  urlHost: string;
  port: number;
  path: string;
  username: string | undefined;
  password: string | undefined;
} {
  if (typeof url !== "string" || url.length === 0) {
    throw new MqttAdapterError("INVALID_URL", "url must be a non-empty string");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new MqttAdapterError("INVALID_URL", `url ${redactUrl(url)} is not a valid URL`, {
      cause,
    });
  }
  const protocol = parsed.protocol.slice(0, -1);
  if (protocol !== "mqtt" && protocol !== "mqtts" && protocol !== "ws" && protocol !== "wss") {
    throw new MqttAdapterError(
      "INVALID_URL",
      `url ${redactUrl(url)} has scheme "${protocol}:"; use mqtt://, mqtts://, ws:// or wss://`,
    );
  }
  if (parsed.hostname === "") {
    throw new MqttAdapterError("INVALID_URL", `url ${redactUrl(url)} has no host`);
  }
  const isWs = protocol === "ws" || protocol === "wss";
  if (!isWs && ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search !== "")) {
    throw new MqttAdapterError(
      "INVALID_URL",
      `url ${redactUrl(url)} has a path or query; ${protocol}:// URLs take none`,
    );
  }
  const urlHost = parsed.hostname;
  const host = urlHost.startsWith("[") ? urlHost.slice(1, -1) : urlHost;
  return {
    protocol,
    host,
    urlHost,
    port: parsed.port === "" ? DEFAULT_PORTS[protocol] : Number(parsed.port),
    path: isWs ? `${parsed.pathname}${parsed.search}` : "",
    username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
  };
}

function resolveTls(
  tls: TlsOptions | undefined,
  protocols: readonly string[],
): TlsOptions | undefined {
  checkKeys(tls, TLS_KEYS, "tls");
  const secure = protocols.some((protocol) => protocol === "mqtts" || protocol === "wss");
  if (tls === undefined) return secure ? { rejectUnauthorized: true } : undefined;
  if (!secure) fail(`tls options need an mqtts:// or wss:// url, not ${protocols[0]}://`);
  for (const key of ["caFile", "certFile", "keyFile", "servername"] as const) {
    optionalString(tls[key], `tls.${key}`);
  }
  for (const key of ["ca", "cert", "key"] as const) {
    const value = tls[key];
    if (value !== undefined && typeof value !== "string" && !(value instanceof Uint8Array)) {
      fail(`tls.${key} must be a PEM string or bytes`);
    }
  }
  if (tls.cert !== undefined && tls.certFile !== undefined) {
    fail("give tls.cert or tls.certFile, not both");
  }
  if (tls.key !== undefined && tls.keyFile !== undefined) {
    fail("give tls.key or tls.keyFile, not both");
  }
  const hasCert = tls.cert !== undefined || tls.certFile !== undefined;
  const hasKey = tls.key !== undefined || tls.keyFile !== undefined;
  if (hasCert !== hasKey)
    fail("a client certificate needs its key and a key needs its certificate");
  if (tls.passphrase !== undefined && typeof tls.passphrase !== "string") {
    fail("tls.passphrase must be a string");
  }
  if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== "boolean") {
    fail("tls.rejectUnauthorized must be a boolean");
  }
  return { ...tls, rejectUnauthorized: tls.rejectUnauthorized !== false };
}

function resolveSubscriptions(value: unknown): Subscription[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail("subscriptions must be an array of { filter, qos }");
  const seen = new Set<string>();
  return value.map((entry: unknown, index: number) => {
    checkKeys(entry, ["filter", "qos", "noLocal"], `subscriptions[${index}]`);
    const { filter, qos, noLocal } = (entry ?? {}) as Partial<Subscription>;
    const check = validateTopicFilter(filter as string);
    if (!check.ok) throw check.error;
    if (qos !== 0 && qos !== 1 && qos !== 2) fail(`subscriptions[${index}].qos must be 0, 1 or 2`);
    if (seen.has(filter as string)) {
      fail(`subscriptions[${index}] repeats the filter ${JSON.stringify(filter)}`);
    }
    if (noLocal !== undefined && typeof noLocal !== "boolean") {
      fail(`subscriptions[${index}].noLocal must be a boolean`);
    }
    seen.add(filter as string);
    return noLocal === true
      ? { filter: filter as string, qos, noLocal }
      : { filter: filter as string, qos };
  });
}

/** Most URLs in `urls`: a cluster, not a scan. */
const MAX_URLS = 64;

/** `url` or `urls`, exactly one of them, as a non-empty list (not yet parsed). */
function urlList(options: MqttClientOptions): readonly unknown[] {
  if (options.urls === undefined) {
    if (options.url === undefined) {
      throw new MqttAdapterError(
        "INVALID_URL",
        "url must be a non-empty string (or give urls, a list, for failover)",
      );
    }
    return [options.url];
  }
  if (options.url !== undefined) fail("give url or urls, not both");
  if (!Array.isArray(options.urls) || options.urls.length === 0) {
    throw new MqttAdapterError("INVALID_URL", "urls must be a non-empty array of broker URLs");
  }
  if (options.urls.length > MAX_URLS) fail(`urls takes at most ${MAX_URLS} URLs`);
  return options.urls;
}

/**
 * Validates {@link MqttClientOptions} and fills in defaults. Throws `INVALID_URL`,
 * `INVALID_OPTIONS` or `INVALID_TOPIC_FILTER`; no message ever contains a secret.
 */
export function resolveClientOptions(options: MqttClientOptions): ResolvedClientOptions {
  if (typeof options !== "object" || options === null) fail("options must be an object");
  checkKeys(options, TOP_KEYS, "options");
  const rawUrls = urlList(options);
  const username = optionalString(options.username, "username");
  if (options.password !== undefined && typeof options.password !== "string") {
    fail("password must be a string");
  }
  const endpoints = rawUrls.map((raw): Endpoint => {
    const parsed = parseUrl(raw);
    if (username !== undefined && parsed.username !== undefined) {
      fail("the user name is given both in url and in username; give it once");
    }
    if (options.password !== undefined && parsed.password !== undefined) {
      fail("the password is given both in url and in password; give it once");
    }
    return {
      ...parsed,
      redactedUrl: redactUrl(raw as string),
      username: username ?? parsed.username,
      password: options.password ?? parsed.password,
    };
  });
  const url = endpoints[0] as Endpoint;
  const protocolVersion = options.protocolVersion ?? 4;
  if (protocolVersion !== 4 && protocolVersion !== 5) fail("protocolVersion must be 4 or 5");
  const sessionExpiryIntervalS =
    options.sessionExpiryIntervalS === undefined
      ? undefined
      : integer(options.sessionExpiryIntervalS, "sessionExpiryIntervalS", 0, 0xffff_ffff, 0);
  if (sessionExpiryIntervalS !== undefined && protocolVersion !== 5) {
    fail("sessionExpiryIntervalS needs protocolVersion 5; with 4 use clean: false");
  }
  if (options.clean !== undefined && typeof options.clean !== "boolean") {
    fail("clean must be a boolean");
  }
  const clean =
    options.clean ?? !(sessionExpiryIntervalS !== undefined && sessionExpiryIntervalS > 0);
  const clientId = optionalString(options.clientId, "clientId");
  if (!clean && clientId === undefined) {
    fail("a persistent session (clean: false) needs a stable clientId");
  }
  let statusTopic: string | undefined;
  if (options.statusTopic !== undefined) {
    const check = validateTopic(options.statusTopic);
    if (!check.ok) throw check.error;
    statusTopic = options.statusTopic;
  }
  checkKeys(options.reconnect, RECONNECT_KEYS, "reconnect");
  const minDelayMs = integer(
    options.reconnect?.minDelayMs,
    "reconnect.minDelayMs",
    1,
    MAX_TIMER_MS,
    1000,
  );
  const maxDelayMs = integer(
    options.reconnect?.maxDelayMs,
    "reconnect.maxDelayMs",
    minDelayMs,
    MAX_TIMER_MS,
    Math.max(30_000, minDelayMs),
  );
  checkKeys(options.publishQueue, QUEUE_KEYS, "publishQueue");
  const logger = options.logger ?? silentLogger;
  for (const level of ["debug", "info", "warn", "error"] as const) {
    if (typeof logger[level] !== "function") fail(`logger.${level} must be a function`);
  }
  if (options.beforeAcks !== undefined && typeof options.beforeAcks !== "function") {
    fail("beforeAcks must be a function");
  }
  const turnBudgetMs = options.turnBudgetMs ?? DEFAULT_TURN_BUDGET_MS;
  if (typeof turnBudgetMs !== "number" || Number.isNaN(turnBudgetMs) || turnBudgetMs < 0) {
    fail("turnBudgetMs must be a number of milliseconds from 0 (Infinity: never yield)");
  }
  return {
    endpoints,
    protocol: url.protocol,
    host: url.host,
    urlHost: url.urlHost,
    port: url.port,
    path: url.path,
    redactedUrl: url.redactedUrl,
    clientId: clientId ?? `mqtt-adapter-${randomBytes(4).toString("hex")}`,
    username: url.username,
    password: url.password,
    protocolVersion,
    keepaliveS: integer(options.keepaliveS, "keepaliveS", 0, 65_535, 60),
    clean,
    sessionExpiryIntervalS,
    tls: resolveTls(
      options.tls,
      endpoints.map((endpoint) => endpoint.protocol),
    ),
    subscriptions: resolveSubscriptions(options.subscriptions),
    statusTopic,
    minDelayMs,
    maxDelayMs,
    connectTimeoutMs: integer(
      options.connectTimeoutMs,
      "connectTimeoutMs",
      1,
      MAX_TIMER_MS,
      10_000,
    ),
    closeTimeoutMs: integer(options.closeTimeoutMs, "closeTimeoutMs", 0, MAX_TIMER_MS, 5000),
    maxMessages: integer(
      options.publishQueue?.maxMessages,
      "publishQueue.maxMessages",
      1,
      100_000_000,
      10_000,
    ),
    maxBytes: integer(
      options.publishQueue?.maxBytes,
      "publishQueue.maxBytes",
      1,
      Number.MAX_SAFE_INTEGER,
      8 * 1024 * 1024,
    ),
    maxInFlight: integer(
      options.publishQueue?.maxInFlight,
      "publishQueue.maxInFlight",
      1,
      1000,
      100,
    ),
    logger,
    beforeAcks: options.beforeAcks,
    turnBudgetMs,
    writeHoldMs: integer(options.writeHoldMs, "writeHoldMs", 0, 60_000, 0),
    writeHoldMaxAcks: integer(
      options.writeHoldMaxAcks,
      "writeHoldMaxAcks",
      1,
      65_535,
      DEFAULT_WRITE_HOLD_MAX_ACKS,
    ),
  };
}
