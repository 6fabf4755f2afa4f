import { z } from "zod";

/** `[limits]`: bounds that keep a misbehaving fleet from exhausting memory. */
export const limitsTable = z
  .strictObject({
    /** Devices tracked at most; further devices are refused with one warning. */
    max_devices: z.number().int().min(1).max(1_000_000).default(20_000),
    /** Larger payloads are rejected before parsing. */
    max_payload_bytes: z
      .number()
      .int()
      .min(64)
      .max(16 * 1024 * 1024)
      .default(65_536),
  })
  .prefault({});
