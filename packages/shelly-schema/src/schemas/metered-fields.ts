import { energyCounterFields } from "./energy-counter";
import { temperatureBlockFields } from "./temperature-block";

/**
 * Metering fields shared by the output-like components (switch, pm1, cover, light, rgb, rgbw,
 * cct), in Shelly's units: `apower` W (signed), `aprtpower` VA, `voltage` V, `current` A, `pf`
 * (-1..1), `freq` Hz, `aenergy` / `ret_aenergy` Wh counters, `temperature` °C/°F, `errors`,
 * and `output` (on/off) with `source`, what made the last change (`init`, `button`, `MQTT`,
 * `WS_in`, `HTTP_in`, `schedule`, ...).
 * Each component's table adds its own fields to this one.
 */
export const meteredFields = {
  id: "componentId",
  output: "boolean",
  source: "string",
  apower: "number",
  aprtpower: "number",
  voltage: "number",
  current: "number",
  pf: "number",
  freq: "number",
  aenergy: energyCounterFields,
  ret_aenergy: energyCounterFields,
  temperature: temperatureBlockFields,
  errors: "stringArray",
} as const;
