import { ShellySchemaError } from "../errors";
import { SHELLY_DEFAULT_MAX_PAYLOAD_BYTES } from "../limits";
import { type ShellyParseOptions, shellyParseOptionsSchema } from "../output/parse-options";

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly maxPayloadBytes: number;
}

/**
 * Validates caller options. Invalid options are a programming error, not untrusted input, so this
 * throws `ShellySchemaError` with code `INVALID_OPTIONS` (and the zod error as `cause`).
 */
export function resolveOptions(options: ShellyParseOptions | undefined): ResolvedOptions {
  if (options === undefined) return { maxPayloadBytes: SHELLY_DEFAULT_MAX_PAYLOAD_BYTES };
  const parsed = shellyParseOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "options";
    throw new ShellySchemaError(
      "INVALID_OPTIONS",
      `invalid parser options: ${where}: ${issue?.message ?? "invalid"}`,
      { cause: parsed.error },
    );
  }
  return { maxPayloadBytes: parsed.data.maxPayloadBytes ?? SHELLY_DEFAULT_MAX_PAYLOAD_BYTES };
}
