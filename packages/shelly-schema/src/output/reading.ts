import * as z from "zod";

/** Zod schema of a phase name of a 3-phase meter. */
export const shellyPhaseSchema = z.enum(["a", "b", "c"]);

/**
 * Zod schema of one phase of a 3-phase reading (`em` measurements or `emdata` counters). Only the
 * fields the message carried are present: `powerW` W (signed), `voltageV` V, `currentA` A,
 * `powerFactor`, `apparentPowerVA` VA, `frequencyHz` Hz, `energyWh` / `returnedEnergyWh` Wh,
 * `errors`.
 */
export const shellyPhaseReadingSchema = z.strictObject({
  phase: shellyPhaseSchema,
  powerW: z.number().optional(),
  voltageV: z.number().optional(),
  currentA: z.number().optional(),
  powerFactor: z.number().optional(),
  apparentPowerVA: z.number().optional(),
  frequencyHz: z.number().optional(),
  energyWh: z.number().nonnegative().optional(),
  returnedEnergyWh: z.number().nonnegative().optional(),
  errors: z.array(z.string()).optional(),
});

/** One phase of a 3-phase reading, in canonical units (W, V, A, VA, Hz, Wh). */
export type ShellyPhaseReading = z.output<typeof shellyPhaseReadingSchema>;

/**
 * Zod schema of one reading: what one message says about one metering channel, normalised to
 * canonical units. `component` is where it came from (`switch:0`, `emdata:0`, Gen1 `relay:0`,
 * `emeter:2`); `meter` is the physical channel, so power and energy of one meter can be joined
 * (`em:0` and `emdata:0` are both meter `em:0`; `em1:1` and `em1data:1` are meter `em1:1`).
 * Every other field is present only when the message carried it:
 *
 * - `powerW` active power, W, signed (negative = export / reverse);
 * - `energyWh` cumulative active-energy counter, Wh; `returnedEnergyWh` returned-energy counter, Wh;
 * - `voltageV` V, `currentA` A, `powerFactor` (-1..1), `frequencyHz` Hz, `apparentPowerVA` VA,
 *   `reactivePowerVAr` var (Gen1 EM);
 * - `temperatureC` device temperature, °C; `output` relay/light on; `source` what made the last
 *   change of `output` (`init`, `button`, `MQTT`, `WS_in`, ...; Gen2+ only); `errors` device
 *   error codes;
 * - `deviceTsMs` the device's own timestamp (`params.ts` of a NotifyStatus/NotifyFullStatus
 *   frame), ms since the unix epoch, rounded to whole ms;
 * - `phases` per-phase detail of `em` / `emdata`.
 */
export const shellyReadingSchema = z.strictObject({
  component: z.string(),
  meter: z.string(),
  powerW: z.number().optional(),
  energyWh: z.number().nonnegative().optional(),
  returnedEnergyWh: z.number().nonnegative().optional(),
  voltageV: z.number().optional(),
  currentA: z.number().optional(),
  powerFactor: z.number().optional(),
  frequencyHz: z.number().optional(),
  apparentPowerVA: z.number().optional(),
  reactivePowerVAr: z.number().optional(),
  temperatureC: z.number().optional(),
  output: z.boolean().optional(),
  source: z.string().optional(),
  errors: z.array(z.string()).optional(),
  deviceTsMs: z.number().int().optional(),
  phases: z.array(shellyPhaseReadingSchema).optional(),
});

/** One metering channel's values from one message, in canonical units (W, Wh, V, A, VA, Hz, °C). */
export type ShellyReading = z.output<typeof shellyReadingSchema>;

/**
 * Zod schema of a temperature carried as context (not a metering channel): `sensor` is the
 * component (`temperature:0`, add-on `temperature:100`) or `device` for Gen1
 * `shellies/<id>/temperature`; `temperatureC` in °C.
 */
export const shellyTemperatureReadingSchema = z.strictObject({
  sensor: z.string(),
  temperatureC: z.number(),
});

/** A sensor temperature in °C, carried as message context. */
export type ShellyTemperatureReading = z.output<typeof shellyTemperatureReadingSchema>;
