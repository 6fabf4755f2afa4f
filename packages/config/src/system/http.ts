import { z } from "zod";
import { port } from "./fields";

/** `[http]`: the aggregator's listener: the web view, its API, /healthz and /metrics. */
export const httpTable = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    /** Port of the listener; absent: no HTTP listener. 0 picks a free port. */
    port: port.optional(),
    /**
     * Required for `/` and `/api/*` (not /healthz) when `host` is not a loopback address: a
     * Bearer header or the login form's cookie. Better from COREFLUX_HTTP_TOKEN than in the file.
     */
    token: z.string().min(16, "must be at least 16 characters").optional(),
  })
  .prefault({});

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
