import { readFileSync } from "node:fs";
import { z } from "zod";
import { moveAside, STATE_FORMAT, writeJsonFileSync } from "../state-store";
import { rollupSnapshotSchema } from "./rollup-engine";

/** Marks a roll-up state document (not the device aggregator's: the two are never mixed up). */
export const ROLLUP_STATE_FORMAT = "coreflux.rollup.state";
/** The roll-up state version this release writes and reads. */
export const ROLLUP_STATE_VERSION = 1;

const documentSchema = z.strictObject({
  format: z.literal(ROLLUP_STATE_FORMAT),
  version: z.literal(ROLLUP_STATE_VERSION),
  /** When it was written, Unix ms. */
  savedAtMs: z.number().int(),
  /** The company the held values belong to. */
  company: z.string(),
  rollup: rollupSnapshotSchema,
});

/** What the roll-up persists. */
export type RollupStateDocument = z.infer<typeof documentSchema>;

/** Result of {@link readRollupState}. Never throws for bad content. */
export type LoadedRollupState =
  | { kind: "none" }
  | { kind: "ok"; state: RollupStateDocument }
  /** Unparsable, another format or version, or another company's: moved aside. */
  | { kind: "corrupt"; reason: string; movedTo: string }
  /** The device aggregator's own state: left where it is (moving it would lose its totals). */
  | { kind: "aggregator-state" };

/**
 * Reads the roll-up's state file. Missing: `none`. A device aggregator's state (the same
 * `[state] path` in a shared config): `aggregator-state`, untouched. Anything else unusable, or
 * another company's: moved aside to `<path>.corrupt-<time>` (never silently overwritten). A
 * file that exists but cannot be read throws: starting from zero over it would lose totals.
 */
export function readRollupState(path: string, company: string, nowMs: number): LoadedRollupState {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    throw error;
  }
  let reason: string;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    json = undefined;
    reason = `not JSON (${(error as Error).message.slice(0, 120)})`;
  }
  if (json !== undefined) {
    if ((json as { format?: unknown } | null)?.format === STATE_FORMAT) {
      return { kind: "aggregator-state" };
    }
    const parsed = documentSchema.safeParse(json);
    if (parsed.success && parsed.data.company === company)
      return { kind: "ok", state: parsed.data };
    reason = parsed.success
      ? `belongs to company ${JSON.stringify(parsed.data.company).slice(0, 80)}`
      : `not a ${ROLLUP_STATE_FORMAT} version ${ROLLUP_STATE_VERSION} document (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`;
  }
  return { kind: "corrupt", reason: reason!, movedTo: moveAside(path, nowMs) };
}

/**
 * Writes the state atomically (like the aggregator's `state-store.ts`): a temporary file in the
 * same directory, mode 0600, written and fsync'ed, renamed over the old one, the directory
 * fsync'ed. A crash at any point leaves the old state or the new one, never a torn file.
 * Synchronous: the document is a few hundred bytes per source.
 */
export function writeRollupState(path: string, state: RollupStateDocument): void {
  writeJsonFileSync(path, state);
}
