import type { ShellyGeneration } from "../output/message";
import { BoundedCache } from "./bounded-cache";

/** A Gen2+ device id: `<model>-<12 hex digits of the MAC>`, e.g. `shellyplugsg3-a0b1c2d3e4f5`. */
const DEVICE_ID = /^([a-z0-9]+)-[0-9a-f]{12}$/i;

/** Gen3/Gen4 models whose id does not end in `g3`/`g4` (REFERENCE §1, ioBroker device table). */
const UNSUFFIXED_MODELS = new Map<string, ShellyGeneration>([
  ["shellyazplug", 3],
  ["shellypill", 3],
  ["shellyshutter", 3],
  ["shellypresence", 4],
]);

/** Generations of recently seen device ids (a device sends its id in every frame). */
const cache = new BoundedCache<string, ShellyGeneration>(16_384);

/**
 * Generation of an RPC device from the `src` device id of its frames: 3 or 4 when the model part
 * says so (`shellypmminig3-…`, `shelly1pmg4-…`), otherwise (and without `src`) 2.
 */
export function generationFromDeviceId(src: string | undefined): ShellyGeneration {
  if (src === undefined) return 2;
  const known = cache.get(src);
  if (known !== undefined) return known;
  const generation = fromId(src);
  if (src.length <= 64) cache.set(src, generation);
  return generation;
}

function fromId(src: string): ShellyGeneration {
  const match = DEVICE_ID.exec(src);
  const model = match?.[1]?.toLowerCase();
  if (model === undefined) return 2;
  if (model.endsWith("g3")) return 3;
  if (model.endsWith("g4")) return 4;
  return UNSUFFIXED_MODELS.get(model) ?? 2;
}
