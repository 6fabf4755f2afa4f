import { z } from "zod";
import { port } from "./fields";

/** `[http]`: the listener of /healthz and /metrics. */
export const httpTable = z
  .strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    /** Port of /healthz and /metrics; absent: no HTTP listener. 0 picks a free port. */
    port: port.optional(),
  })
  .prefault({});
