import * as z from "zod";

const rpcId = z.union([z.number(), z.string()]);

/** Zod schema of the `error` of an RPC response: numeric `code` and human `message`. */
export const shellyRpcErrorSchema = z.looseObject({
  code: z.number(),
  message: z.string().optional(),
});

/**
 * Zod schema of a Gen2+ RPC response, published by the device on `<caller src>/rpc`: `id` (echoes
 * the request), `src` (device id), `dst` (the caller), and exactly one of `result` / `error`.
 */
export const shellyRpcResponseSchema = z
  .looseObject({
    id: rpcId,
    src: z.string(),
    dst: z.string(),
    result: z.unknown().optional(),
    error: shellyRpcErrorSchema.optional(),
  })
  .refine((frame) => (frame.result === undefined) !== (frame.error === undefined), {
    message: "an RPC response carries exactly one of result and error",
  });

/** A validated RPC response frame. */
export type ShellyRpcResponseFrame = z.output<typeof shellyRpcResponseSchema>;

/**
 * Zod schema of a Gen2+ RPC request, published by a client on `<device prefix>/rpc`: `src` (the
 * caller, where the response goes), `method` (e.g. `Switch.Set`), optional `id` and `params`.
 */
export const shellyRpcRequestSchema = z.looseObject({
  id: rpcId.optional(),
  src: z.string(),
  method: z.string(),
  params: z.unknown().optional(),
});

/** A validated RPC request frame. */
export type ShellyRpcRequestFrame = z.output<typeof shellyRpcRequestSchema>;
