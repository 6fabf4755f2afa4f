import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import { shellyGen1AnnounceSchema } from "../schemas/gen1-announce";
import { success } from "./results";
import { REPORT_INPUT, schemaFailure } from "./zod-issues";

/**
 * A Gen1 announce. On `shellies/<id>/announce` the prefix comes from the topic; on the shared
 * `shellies/announce` it is `shellies/<id>` with the id from the payload.
 */
export function announceFromJson(
  topicPrefix: string | undefined,
  value: unknown,
): ShellyParseResult {
  const parsed = shellyGen1AnnounceSchema.safeParse(value, REPORT_INPUT);
  if (!parsed.success) return schemaFailure(parsed.error, "announce");
  const { id, model, mac, ip, new_fw, fw_ver, mode } = parsed.data;
  const announce: Extract<ShellyMessage, { kind: "announce" }>["announce"] = {
    id,
    model,
    mac,
    ip,
    newFirmware: new_fw,
    firmwareVersion: fw_ver,
  };
  if (mode !== undefined) announce.mode = mode;
  return success({
    kind: "announce",
    prefix: topicPrefix ?? `shellies/${id}`,
    generation: 1,
    announce,
    readings: [],
  });
}
