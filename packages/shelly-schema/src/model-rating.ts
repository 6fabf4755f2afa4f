/** What one metering channel of a Shelly model can carry at most. */
export interface ShellyModelRating {
  /**
   * Model id prefix as it appears in device ids, lower case, e.g. "shellyplusplugs",
   * "shellyplug-s", "shellypro3em".
   */
  idPrefix: string;
  /** Marketing name, e.g. "Shelly Plus Plug S". */
  label: string;
  /** Device generation: 1 (`shellies/…` topics) or 2-4 (RPC API). */
  generation: 1 | 2 | 3 | 4;
  /**
   * Highest plausible active power of ONE meter of this model as this package names meters
   * (`switch:2`, `relay:0`, `emeter:1`, `em1:0`, `em:0`), in W: the rated load current (for CT
   * meters the largest CT the model takes) × 230 V × 1.25, rounded up to a whole 10 W. A 3-phase
   * `em:<id>` meter carries all three phases, so its figure is 3 × the per-phase one.
   */
  maxPowerW: number;
  /** Where the figure comes from: the rated current and voltage used, then the source. */
  basis: string;
}

/** Nominal mains voltage of every AC rating, V (a 120 V device is over-estimated, which is safe). */
const MAINS_V = 230;

/** Margin over the rated load, in percent (125 = × 1.25): meters read a little high, loads surge. */
const MARGIN_PERCENT = 125;

interface RatingInput {
  /** Rated load current of one channel (per phase for 3-phase meters), A; at most one decimal. */
  currentA: number;
  /** Phases one meter adds up: 3 for a 3-phase `em:<id>`, otherwise 1. */
  phases?: 1 | 3;
  /** Supply voltage when it is not the 230 V mains (DC LED controllers), V. */
  voltageV?: number;
  /** The source of `currentA`, and "unconfirmed: …" when no document states it. */
  source: string;
}

/**
 * `currentA` × `phases` × voltage × 1.25 in W, rounded up to a whole 10 W; computed in integers
 * (tenths of an ampere, percent) so that float noise never rounds an exact figure up by 10 W.
 */
function maxPowerWOf(input: RatingInput): number {
  const deciA = Math.round(input.currentA * 10);
  const voltageV = input.voltageV ?? MAINS_V;
  const deciWattPercent = deciA * (input.phases ?? 1) * voltageV * MARGIN_PERCENT;
  return Math.ceil(deciWattPercent / 10_000) * 10;
}

function formulaOf(input: RatingInput): string {
  const phases = input.phases === 3 ? "3 phases × " : "";
  const voltage = input.voltageV === undefined ? `${MAINS_V} V` : `${input.voltageV} V DC`;
  return `${phases}${input.currentA} A × ${voltage} × ${MARGIN_PERCENT / 100}`;
}

function rating(
  idPrefix: string,
  label: string,
  generation: ShellyModelRating["generation"],
  input: RatingInput,
): ShellyModelRating {
  return Object.freeze({
    idPrefix,
    label,
    generation,
    maxPowerW: maxPowerWOf(input),
    basis: `${formulaOf(input)}; ${input.source}`,
  });
}

/** Source shorthand: the device's page on kb.shelly.cloud (specification table). */
const KB = "kb.shelly.cloud";
/** Source shorthand: the device's page in the Gen2+ API docs (`current_limit_a`). */
const API = "shelly-api-docs gen2";

/**
 * The whole table, for documentation and tests: one entry per device id prefix (lower case, as in
 * `shellyplusplugs-a8032ab12345`; prefixes from the ioBroker.shelly device table and the Shelly
 * REFERENCE). `maxPowerW` is a safety bound for counter plausibility, not a nominal rating: an
 * under-estimate would make the accounting reject real consumption, so where no document states
 * the rating the higher candidate is used and `basis` says "unconfirmed". Frozen.
 */
export const SHELLY_MODEL_RATINGS: readonly ShellyModelRating[] = Object.freeze([
  // Gen1
  rating("shellyplug", "Shelly Plug", 1, { currentA: 16, source: `${KB}: max load 16 A` }),
  rating("shellyplug-s", "Shelly Plug S", 1, { currentA: 10, source: `${KB}: max load 10 A` }),
  rating("shellyplug-u1", "Shelly Plug US", 1, {
    currentA: 15,
    source: `${KB}: max load 15 A at 110 V (12 A at 230 V)`,
  }),
  rating("shelly1pm", "Shelly 1PM", 1, {
    currentA: 16,
    source: `${KB}: max switching current 16 A`,
  }),
  rating("shellyswitch", "Shelly 2", 1, {
    currentA: 16,
    source: "unconfirmed: no rating found; one meter (relay/power) for both channels, 16 A assumed",
  }),
  rating("shellyswitch25", "Shelly 2.5", 1, {
    currentA: 10,
    source: `${KB}: 10 A per channel (20 A total); relay:<n> or roller:0 is one channel`,
  }),
  rating("shelly4pro", "Shelly 4Pro", 1, {
    currentA: 16,
    source: "unconfirmed: no rating found; 16 A per channel assumed",
  }),
  rating("shellydimmer", "Shelly Dimmer", 1, {
    currentA: 2,
    source: "unconfirmed: the Dimmer 2 is rated 1.1 A; 2 A assumed for the first Dimmer",
  }),
  rating("shellydimmer2", "Shelly Dimmer 2", 1, {
    currentA: 1.1,
    source: `${KB}: operational current 0.1-1.1 A`,
  }),
  rating("shellyrgbw2", "Shelly RGBW2", 1, {
    currentA: 12,
    voltageV: 24,
    source: `${KB}: max load 12 A on a 12/24 V DC supply (the parser reads no RGBW2 power yet)`,
  }),
  rating("shellyem", "Shelly EM", 1, {
    currentA: 120,
    source: "Gen1 /settings emeters[].ctraf_type is 50 or 120 (A CT); per channel emeter:<i>",
  }),
  rating("shellyem3", "Shelly 3EM", 1, {
    currentA: 120,
    source: `${KB}: 3 × CT 120 A in the box; user guide: max 120 A per channel; per phase emeter:<i>`,
  }),
  // Gen2 Plus
  rating("shellyplusplugs", "Shelly Plus Plug S", 2, {
    currentA: 16,
    source:
      "unconfirmed: model code SNPL-00112EU suggests 12 A; the 16 A of its Schuko plug is used",
  }),
  rating("shellyplusplugit", "Shelly Plus Plug IT", 2, {
    currentA: 10,
    source: `${KB}: max switching current 10 A`,
  }),
  rating("shellypluspluguk", "Shelly Plus Plug UK", 2, {
    currentA: 13,
    source: `${KB}: max switching current 13 A`,
  }),
  rating("shellyplusplugus", "Shelly Plus Plug US", 2, {
    currentA: 15,
    source: `${KB}: max switching current 15 A (a 120 V plug)`,
  }),
  rating("shellyplus1pm", "Shelly Plus 1PM", 2, {
    currentA: 16,
    source: `${KB}: max switching current 16 A (UL version 15 A)`,
  }),
  rating("shellyplus2pm", "Shelly Plus 2PM", 2, {
    currentA: 10,
    source: `${KB}: 10 A per channel (16 A total); cover:0 drives one direction at a time`,
  }),
  rating("shellypmmini", "Shelly Plus PM Mini", 2, {
    currentA: 16,
    source: `${KB} (Wave PM Mini, same hardware): loads up to 16 A; model code SNPM-001PCEU16`,
  }),
  rating("shelly1pmmini", "Shelly Plus 1PM Mini", 2, {
    currentA: 10,
    source:
      "unconfirmed: model code SNSW-001P8EU suggests 8 A; the 10 A external breaker limit of its Gen3/Gen4 successors is used",
  }),
  // Gen2 Pro
  rating("shellypro1pm", "Shelly Pro 1PM", 2, {
    currentA: 16,
    source: "unconfirmed: from model code SPSW-001PE16EU",
  }),
  rating("shellypro2pm", "Shelly Pro 2PM", 2, {
    currentA: 16,
    source: "unconfirmed: per channel, from model code SPSW-202PE16EU",
  }),
  rating("shellypro4pm", "Shelly Pro 4PM", 2, {
    currentA: 16,
    source: "Shelly reseller product page: 16 A per channel, 40 A total",
  }),
  rating("shellypro2cover", "Shelly Pro Dual Cover PM", 2, {
    currentA: 16,
    source: "unconfirmed: per cover, from model code SPSH-002PE16EU",
  }),
  rating("shellyproem50", "Shelly Pro EM-50", 2, {
    currentA: 50,
    source: `${API}: current_limit_a 50 A; per channel em1:<i>`,
  }),
  rating("shellypro3em", "Shelly Pro 3EM", 2, {
    currentA: 120,
    phases: 3,
    source: `${API}: current_limit_a 120 A (the 400 A model has its own id); em:0 carries all phases, each em1:<i> one`,
  }),
  rating("shellypro3em400", "Shelly Pro 3EM-400", 2, {
    currentA: 400,
    phases: 3,
    source: `${API}: current_limit_a 400 A for Pro3EM400; em:0 carries all phases`,
  }),
  rating("shellypro3em63", "Shelly Pro 3EM-3CT63", 2, {
    currentA: 63,
    phases: 3,
    source: "63 A CTs (model name 3CT63); em:0 carries all phases",
  }),
  // Gen3
  rating("shellyplugsg3", "Shelly Plug S Gen3", 3, {
    currentA: 12,
    source: `${KB}: max switching current 12 A`,
  }),
  rating("shelly1pmg3", "Shelly 1PM Gen3", 3, {
    currentA: 16,
    source: `${KB}: max switching current 16 A`,
  }),
  rating("shelly1pmminig3", "Shelly 1PM Mini Gen3", 3, {
    currentA: 8,
    source: `${KB}: max switching current 8 A`,
  }),
  rating("shellypmminig3", "Shelly PM Mini Gen3", 3, {
    currentA: 16,
    source: "unconfirmed: from model code S3PM-001PCEU16 (as the Plus PM Mini)",
  }),
  rating("shelly2pmg3", "Shelly 2PM Gen3", 3, {
    currentA: 10,
    source: `${KB}: 10 A per channel (16 A total)`,
  }),
  rating("shellyshutter", "Shelly Shutter", 3, {
    currentA: 4,
    source: `${KB}: max switching current 4 A`,
  }),
  rating("shelly0110dimg3", "Shelly Dimmer 0/1-10V PM Gen3", 3, {
    currentA: 16,
    source: `${KB}: ammeter range up to 16 A (max switching current 13 A)`,
  }),
  rating("shellyemg3", "Shelly EM Gen3", 3, {
    currentA: 80,
    source: `${KB}: ships with CT 50A, also takes CT 80A; per channel em1:<i>`,
  }),
  rating("shelly3em63g3", "Shelly 3EM-63 Gen3", 3, {
    currentA: 63,
    phases: 3,
    source: `${API}: current_limit_a 63 A (fixed CTs); em:0 carries all phases, each em1:<i> one`,
  }),
  // Gen4
  rating("shelly1pmg4", "Shelly 1PM Gen4", 4, {
    currentA: 16,
    source: `${KB}: max switching current 16 A`,
  }),
  rating("shelly1pmminig4", "Shelly 1PM Mini Gen4", 4, {
    currentA: 8,
    source: `${KB}: max switching current 8 A`,
  }),
  rating("shelly2pmg4", "Shelly 2PM Gen4", 4, {
    currentA: 10,
    source: `${KB}: 10 A per channel (16 A total)`,
  }),
  rating("shellyemg4", "Shelly EM Gen4", 4, {
    currentA: 120,
    source:
      "unconfirmed: no CT rating found (the EM Gen3 takes up to 80 A); 120 A assumed; per channel em1:<i>",
  }),
  rating("shellyemminig4", "Shelly EM Mini Gen4", 4, {
    currentA: 16,
    source: "unconfirmed: from model code S4EM-001PXCEU16",
  }),
]);

const BY_PREFIX = new Map(SHELLY_MODEL_RATINGS.map((entry) => [entry.idPrefix, entry]));
const LONGEST_PREFIX = Math.max(...SHELLY_MODEL_RATINGS.map((entry) => entry.idPrefix.length));

/**
 * The rating of the model a Shelly device id names (`shellyplusplugs-a8032ab12345`,
 * `shellyplug-s-7AD4B1`, `shellypro4pm-…`, or a bare prefix), or `undefined` when unknown.
 * Case-insensitive; the longest matching prefix wins (`shellyplug-s` before `shellyplug`). A
 * prefix matches only the whole id or the part before a `-`, so an unknown model never borrows
 * the rating of a shorter name (`shellyplugsg4-…` is not a `shellyplug`). For meter power
 * plausibility: see {@link ShellyModelRating.maxPowerW}.
 */
export function shellyModelRating(deviceIdOrPrefix: string): ShellyModelRating | undefined {
  const head = deviceIdOrPrefix.slice(0, LONGEST_PREFIX + 1).toLowerCase();
  if (deviceIdOrPrefix.length <= LONGEST_PREFIX) {
    const whole = BY_PREFIX.get(head);
    if (whole !== undefined) return whole;
  }
  for (let end = Math.min(head.length - 1, LONGEST_PREFIX); end > 0; end--) {
    if (head.charCodeAt(end) !== 0x2d) continue; // "-"
    const found = BY_PREFIX.get(head.slice(0, end));
    if (found !== undefined) return found;
  }
  return undefined;
}
