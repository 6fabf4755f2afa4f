import { z } from "zod";
import { isHistoryUrl } from "./history-url";

/** `[history]`: energy history per node and period. Absent: no history. */
export const historyTable = z
  .strictObject({
    /** `sqlite:<file>` (embedded, the default) or `mariadb://user@host:3306/database`. */
    url: z
      .string()
      .refine(isHistoryUrl, {
        message: 'must be "sqlite:<file>" or "mariadb://user@host:3306/database"',
      })
      .default("sqlite:./coreflux-history.db"),
    /** MariaDB password; better from COREFLUX_HISTORY_PASSWORD than in the file. */
    password: z.string().optional(),
    /** Width of the period rows, minutes; fixed when the database is created. */
    period_minutes: z.union([z.literal(1), z.literal(5), z.literal(15), z.literal(60)]).default(15),
    /** Period rows older than this are deleted (hourly and coarser rows are kept). */
    keep_fine_days: z.number().int().min(1).max(36_500).default(35),
    /** Rows waiting for the database kept in memory; more go to a spill file next to the state. */
    max_memory_rows: z.number().int().min(1).default(200_000),
  })
  .optional();
