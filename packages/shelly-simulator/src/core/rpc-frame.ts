/**
 * Gen2 JSON-RPC over MQTT (REFERENCE §3.3, §4): a request on `<prefix>/rpc` names its caller in
 * `src`; the device answers on `<src>/rpc` with `result` or `error` ({code, message}).
 */

/** A request as a Gen2 device reads it. */
export interface RpcRequest {
  /** Echoed in the response; without one the request is a notification and gets no answer. */
  id: number | string | undefined;
  /** The caller: the response goes to `<src>/rpc`. */
  src: string;
  /** `Switch.Set`, `Schedule.Create`, …: matched without regard to case, as Shelly does. */
  method: string;
  /** `params`, or undefined when absent; anything but an object is refused with -103. */
  params: unknown;
}

/** What a method did: its `result`, or an error code and message. */
export type RpcOutcome =
  | { ok: true; result: unknown }
  | { ok: false; code: number; message: string };

/** Error codes of Shelly's common errors (shelly-api-docs, gen2 General/CommonErrors) and Mongoose OS's "no handler". */
export const RPC_ERRORS = {
  /** Parameters missing or of the wrong type. */
  invalidArgument: -103,
  /** No instance with that id (`Bad id=7`). */
  notFound: -105,
  /** A limit reached, e.g. the 21st schedule job. */
  resourceExhausted: -108,
  /** The device has no such method (`No handler for Foo.Bar`). */
  noHandler: 404,
} as const;

/** An error outcome. */
export function rpcError(code: number, message: string): RpcOutcome {
  return { ok: false, code, message };
}

/**
 * Reads a request; undefined for what a device drops without an answer: not JSON, not an object,
 * no `method`, or no usable `src` (empty, or with `+`, `#` or NUL: it could not be a topic).
 */
export function parseRpcRequest(payload: string): RpcRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  const { id, src, method, params } = frame;
  if (typeof method !== "string" || method === "") return undefined;
  if (typeof src !== "string" || src === "" || /[+#\0]/.test(src)) return undefined;
  const requestId = typeof id === "number" || typeof id === "string" ? id : undefined;
  return { id: requestId, src, method, params };
}

/** The response frame on `<src>/rpc`: `{"id":…,"src":"<device id>","dst":"<src>","result":…}` or `"error"`. */
export function rpcResponse(request: RpcRequest, deviceId: string, outcome: RpcOutcome): string {
  const head = { id: request.id, src: deviceId, dst: request.src };
  return JSON.stringify(
    outcome.ok
      ? { ...head, result: outcome.result }
      : { ...head, error: { code: outcome.code, message: outcome.message } },
  );
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
