import { SHELLY_MAX_PASSTHROUGH_DEPTH } from "../limits";
import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import { shellyRpcRequestSchema, shellyRpcResponseSchema } from "../schemas/rpc-frames";
import { generationFromDeviceId } from "./generation";
import { nestsDeeperThan } from "./json-depth";
import { failure, success } from "./results";
import { REPORT_INPUT, schemaFailure } from "./zod-issues";

function tooDeep(part: string): ShellyParseResult {
  return failure(
    "SCHEMA_MISMATCH",
    `${part} nests deeper than ${SHELLY_MAX_PASSTHROUGH_DEPTH} levels; refusing to pass it on`,
  );
}

/**
 * A JSON payload on `<prefix>/rpc`: a request when it has `method`, otherwise a response (which
 * must carry `id`, `src`, `dst` and exactly one of `result` / `error`). `result` and request
 * `params` are passed on as sent, so their nesting is bounded.
 */
export function rpcFromJson(prefix: string, value: unknown): ShellyParseResult {
  const isRequest = typeof value === "object" && value !== null && "method" in value;
  if (isRequest) {
    const request = shellyRpcRequestSchema.safeParse(value, REPORT_INPUT);
    if (!request.success) return schemaFailure(request.error, "request");
    const { id, src, method, params } = request.data;
    if (nestsDeeperThan(params, SHELLY_MAX_PASSTHROUGH_DEPTH)) return tooDeep("params");
    const message: ShellyMessage = {
      kind: "rpc-request",
      prefix,
      generation: 2,
      src,
      method,
      readings: [],
    };
    if (id !== undefined) message.id = id;
    if (params !== undefined) message.params = params;
    return success(message);
  }
  const response = shellyRpcResponseSchema.safeParse(value, REPORT_INPUT);
  if (!response.success) return schemaFailure(response.error, "response");
  const { id, src, dst, result, error } = response.data;
  if (nestsDeeperThan(result, SHELLY_MAX_PASSTHROUGH_DEPTH)) return tooDeep("result");
  const message: ShellyMessage = {
    kind: "rpc-response",
    prefix,
    generation: generationFromDeviceId(src),
    src,
    dst,
    id,
    readings: [],
  };
  if (result !== undefined) message.result = result;
  if (error !== undefined) {
    message.error =
      error.message === undefined
        ? { code: error.code }
        : { code: error.code, message: error.message };
  }
  return success(message);
}
