import { type GroupFields, roomFieldsSchema } from "../output/payload-schema";
import { type DecimalError, whNumberToMwh } from "./decimal-mwh";

/** A partition's published group total (an office's or a room's), in integer units. */
export interface SourceReading {
  /** The source's `Name`. */
  name: string;
  /** When the partition published it, Unix seconds (its `UnixTimestamp`). */
  tsS: number;
  powerW: number;
  totalMwh: number;
  returnedMwh: number;
  hourMwh: number;
  todayMwh: number;
  monthMwh: number;
  meters: { online: number; stale: number; offline: number };
  devices: { online: number; stale: number; offline: number };
  /** `LastUpdateUnixTimestamp`, seconds, or null. */
  lastUpdateTsS: number | null;
}

/** Why a source payload was refused; also the `reason` label of the rejected-messages metric. */
export type SourceErrorCode =
  | "PAYLOAD_TOO_LARGE"
  | "INVALID_JSON"
  | "SCHEMA_MISMATCH"
  | "INVALID_ENERGY"
  | "TOPIC_MISMATCH";

/** A parsed source payload, or a typed error (never throws). */
export type SourceParseResult =
  | { ok: true; reading: SourceReading }
  | { ok: false; error: { code: SourceErrorCode; message: string } };

const fail = (code: SourceErrorCode, message: string): SourceParseResult => ({
  ok: false,
  error: { code, message },
});

const ENERGY_FIELDS = [
  ["TotalEnergy", "totalMwh"],
  ["ReturnedEnergyWh", "returnedMwh"],
  ["EnergyThisHourWh", "hourMwh"],
  ["EnergyTodayWh", "todayMwh"],
  ["EnergyThisMonthWh", "monthMwh"],
] as const satisfies readonly (readonly [keyof GroupFields, string])[];

/**
 * Parses a room or office total published on `topic` (the aggregator's group payload, see
 * `payload-schema.ts`): JSON, the group fields' schema, every energy to integer mWh exactly
 * (at most three decimals), and `Topic` equal to the topic it came on (a payload copied to the
 * wrong topic would be summed into the wrong node).
 */
export function parseSourcePayload(
  topic: string,
  payload: Uint8Array,
  maxBytes: number,
): SourceParseResult {
  if (payload.byteLength > maxBytes) {
    return fail("PAYLOAD_TOO_LARGE", `${payload.byteLength} bytes, more than ${maxBytes}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch (error) {
    return fail("INVALID_JSON", (error as Error).message.slice(0, 200));
  }
  const parsed = roomFieldsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail("SCHEMA_MISMATCH", `${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`);
  }
  const fields = parsed.data;
  if (fields.Topic !== topic) {
    return fail("TOPIC_MISMATCH", `Topic is ${JSON.stringify(fields.Topic).slice(0, 200)}`);
  }
  const mwh: Record<string, number> = {};
  for (const [field, key] of ENERGY_FIELDS) {
    const converted = whNumberToMwh(fields[field]);
    if (!converted.ok) return fail("INVALID_ENERGY", energyMessage(field, converted.error));
    mwh[key] = converted.mwh;
  }
  return {
    ok: true,
    reading: {
      name: fields.Name,
      tsS: fields.UnixTimestamp,
      powerW: fields.PowerW,
      totalMwh: mwh.totalMwh!,
      returnedMwh: mwh.returnedMwh!,
      hourMwh: mwh.hourMwh!,
      todayMwh: mwh.todayMwh!,
      monthMwh: mwh.monthMwh!,
      meters: {
        online: fields.MetersOnline,
        stale: fields.MetersStale,
        offline: fields.MetersOffline,
      },
      devices: {
        online: fields.DevicesOnline,
        stale: fields.DevicesStale,
        offline: fields.DevicesOffline,
      },
      lastUpdateTsS: fields.LastUpdateUnixTimestamp,
    },
  };
}

function energyMessage(field: string, error: DecimalError): string {
  return error === "too-many-decimals"
    ? `${field} has more than 3 decimals`
    : `${field} is ${error === "non-finite" ? "not finite" : error}`;
}
