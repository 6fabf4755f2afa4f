import type { EnergyEngine } from "@coreflux/hierarchy";
import { HistoryError } from "@coreflux/history";
import type { Logger } from "pino";
import type { AggregatorConfig } from "../config/load";
import { StartupError } from "../startup-error";
import { HistoryOutput, type HistoryState } from "./history-output";

export type { HistoryState } from "./history-output";

/**
 * The history output of `[history]`, or undefined without that table. A database that cannot be
 * used (newer schema, other settings, missing driver) stops the start with a {@link StartupError};
 * one that is only unreachable does not (rows wait for it).
 */
export async function startHistory(
  config: AggregatorConfig,
  company: string,
  engine: EnergyEngine,
  restored: HistoryState | undefined,
  log: Logger,
  clock: () => number,
  /** A partition writes as its instance and leaves out the levels above its subtrees. */
  partition?: { instance: string; aboveRoots: (path: readonly string[]) => boolean },
): Promise<HistoryOutput | undefined> {
  const h = config.history;
  if (h === undefined) return undefined;
  try {
    return await HistoryOutput.start(
      engine,
      {
        open: {
          url: h.url,
          password: h.password,
          company,
          periodMinutes: h.period_minutes,
          timeZone: engine.timeZone,
          writer: partition?.instance,
        },
        keepFineDays: h.keep_fine_days,
        spillPath: `${config.state.path}.history-spill`,
        maxMemoryRows: h.max_memory_rows,
        ...(partition === undefined ? {} : { hidden: partition.aboveRoots }),
      },
      log.child({ module: "history" }),
      clock,
      restored,
    );
  } catch (error) {
    if (error instanceof HistoryError) {
      throw new StartupError(`[history] cannot be used: ${error.message} (${error.code})`);
    }
    throw error;
  }
}
