import { SHELLY_MODELS, type ShellyModel } from "./models";
import { type ParseResult, parseNamedNumbers } from "./parse-result";

/** Relative weights of the models in a fleet; a model without a weight (or weight 0) is absent. */
export type ModelMix = Partial<Record<ShellyModel, number>>;

/** The default mix: mostly plugs, some PM Minis, a Pro 4PM, a Pro 3EM and Gen1 devices. */
export const DEFAULT_MODEL_MIX: Readonly<Record<ShellyModel, number>> = {
  "plus-plug-s": 4,
  "pro-4pm": 1,
  "plus-pm-mini": 2,
  "pro-3em": 1,
  "gen1-plug-s": 2,
  "gen1-em": 1,
};

/** Problems with a mix (unknown model, negative or non-finite weight, nothing left); empty if fine. */
export function checkModelMix(mix: unknown): string[] {
  if (typeof mix !== "object" || mix === null || Array.isArray(mix)) {
    return ["models must be an object of model → weight"];
  }
  const errors: string[] = [];
  let total = 0;
  for (const [name, weight] of Object.entries(mix)) {
    if (!(SHELLY_MODELS as readonly string[]).includes(name)) {
      errors.push(`models: unknown model "${name}" (known: ${SHELLY_MODELS.join(", ")})`);
    } else if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      errors.push(`models: weight of ${name} must be a finite number >= 0`);
    } else total += weight;
  }
  if (errors.length === 0 && total <= 0) errors.push("models: at least one weight must be > 0");
  return errors;
}

/** Parses `plus-plug-s=4,pro-3em=1` or `plus-plug-s,gen1-em` (weight 1 each). */
export function parseModelMix(text: string): ParseResult<ModelMix> {
  const pairs = parseNamedNumbers(text, "--models", 1);
  if (!pairs.ok) return pairs;
  const mix: ModelMix = {};
  for (const [name, weight] of pairs.value) mix[name as ShellyModel] = weight;
  const errors = checkModelMix(mix);
  return errors.length > 0 ? { ok: false, error: errors[0]! } : { ok: true, value: mix };
}
