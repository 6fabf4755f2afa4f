import type { ShellyMessage } from "../output/message";
import type { ShellyParseResult } from "../output/parse-result";
import type { ShellyReading } from "../output/reading";
import { excerpt } from "./clip";
import { ignoredMessage } from "./messages";
import { failure, success } from "./results";
import { parseStrictNumber } from "./strict-number";
import type { Gen1Quantity } from "./topic-route";

/** Watt-minutes per watt-hour: Gen1 relay, roller and light counters count Wmin (REFERENCE §2.2). */
const WATT_MINUTES_PER_WH = 60;

function isCounter(quantity: Gen1Quantity): boolean {
  return quantity === "energyWmin" || quantity === "energyWh" || quantity === "returnedEnergyWh";
}

/** A Gen1 scalar as a finite number, or the parse failure. */
function gen1Number(text: string, what: string): number | ShellyParseResult {
  const value = parseStrictNumber(text);
  if (value === undefined) {
    return failure("INVALID_NUMBER", `${what}: payload ${excerpt(text)} is not a JSON number`);
  }
  if (!Number.isFinite(value)) {
    return failure("INVALID_VALUE", `${what}: ${excerpt(text)} is not a finite number`);
  }
  return value;
}

/**
 * A Gen1 metering scalar (`relay/0/power`, `emeter/1/total`, …) as a reading in canonical units:
 * relay/roller/light `energy` is Wmin and becomes Wh (÷ 60); EM `total` / `total_returned` are Wh
 * already. A counter of exactly `-1` is the "unavailable" sentinel (pitfall P17) and yields an
 * `ignored` message; any other negative counter is `INVALID_VALUE`.
 */
export function gen1ValueMessage(
  prefix: string,
  component: string,
  quantity: Gen1Quantity,
  text: string,
): ShellyParseResult {
  const value = gen1Number(text, component);
  if (typeof value !== "number") return value;
  if (isCounter(quantity)) {
    if (value === -1) return ignoredMessage(prefix, 1, "missing-value", component);
    if (value < 0) {
      return failure("INVALID_VALUE", `${component}: energy counter ${excerpt(text)} is negative`);
    }
  }
  const reading: ShellyReading = { component, meter: component };
  switch (quantity) {
    case "energyWmin":
      reading.energyWh = value / WATT_MINUTES_PER_WH;
      break;
    case "energyWh":
      reading.energyWh = value;
      break;
    case "returnedEnergyWh":
      reading.returnedEnergyWh = value;
      break;
    default:
      reading[quantity] = value;
  }
  return success({ kind: "gen1-value", prefix, generation: 1, readings: [reading] });
}

/** Gen1 `relay/<n>` or `light/<n>`: `on` / `off`, and `overpower` (the relay tripped off). */
export function gen1StateMessage(
  prefix: string,
  component: string,
  text: string,
): ShellyParseResult {
  const reading: ShellyReading = { component, meter: component };
  if (text === "on") reading.output = true;
  else if (text === "off") reading.output = false;
  else if (text === "overpower") {
    reading.output = false;
    reading.errors = ["overpower"];
  } else {
    return failure(
      "INVALID_VALUE",
      `${component}: state ${excerpt(text)} is not on, off or overpower`,
    );
  }
  return success({ kind: "gen1-value", prefix, generation: 1, readings: [reading] });
}

/** Gen1 `shellies/<id>/temperature`: the device temperature in °C, as context. */
export function gen1TemperatureMessage(prefix: string, text: string): ShellyParseResult {
  const value = gen1Number(text, "temperature");
  if (typeof value !== "number") return value;
  const message: ShellyMessage = {
    kind: "gen1-value",
    prefix,
    generation: 1,
    readings: [],
    temperatures: [{ sensor: "device", temperatureC: value }],
  };
  return success(message);
}
