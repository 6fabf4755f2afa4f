/**
 * A deterministic physical model of Shelly-like meters: true consumption from a power profile,
 * counters that restart at 0, persist, or restore an older value on reboot, reports every 1–60 s
 * and what goes wrong with them on the way (see `scenario.ts` for the knobs).
 *
 * Energy is integer: power in dW (0.1 W), time in ms, so energy in dW·ms is exact; each counter
 * keeps whole mWh plus a remainder below 1 mWh (36,000 dW·ms). A month at 100 kW is 2.6e15 dW·ms,
 * inside 2^53. The remainder is the meter's, not the counter's: a counter that restarts keeps it,
 * so that every mWh the counter gains is a mWh truly consumed (the truth and the counters differ
 * only by what a restart or a replacement threw away, never by rounding).
 *
 * Guard (as in `properties.test.ts`): a message fault or a counter discontinuity on a meter is
 * followed by at least 2 genuine, in-order, delivered readings of that meter before the next
 * one (and a meter's first 2 readings are genuine). Two faults in a row are genuinely ambiguous:
 * `100, 900, 900, 100.2` is a corrupted value and its duplicate, or a replaced device (a new
 * level) followed by a corrupted low value; `100, 0, 0, 0.4` is a restart, or a transient zero
 * delivered twice. No accountant can tell those apart, so the model does not produce them; in
 * return a value seen on two genuine readings is real, and an engine may rely on that.
 *
 * Modules: `meter-sim.ts` (power, counters, truth), `device-sim.ts` (reports, events, faults),
 * `receiver-outages.ts` (arrival bursts); this one assembles a scenario and orders its messages.
 */
import { DeviceSim } from "./device-sim";
import { Prng } from "./prng";
import { ReceiverOutages } from "./receiver-outages";
import { MINUTE_MS, SCENARIO_START_MS, type ScenarioParams } from "./scenario";
import type { SimEvent, SimMessage, SimMeter, Simulation } from "./stream";

/** The engine's publish cycle: `takeChanges(arrivalMs)` every 10 s of arrival time. */
export const PUBLISH_EVERY_MS = 10_000;

/** Expands a scenario into its message stream, events and counter segments. */
export function simulate(params: ScenarioParams): Simulation {
  const startMs = SCENARIO_START_MS;
  const meters: SimMeter[] = [];
  const devicePaths: string[][] = [];
  params.devices.forEach((device, d) => {
    const path = ["Co", `Office${d % 2}`, `Room${(d >> 1) % 2}`, `Dev${d}`];
    devicePaths.push(path);
    device.meters.forEach((meter, k) => {
      meters.push({
        index: meters.length,
        device: d,
        path,
        meterId: meter.peakW > meter.ratingW ? `em:${k}` : `switch:${k}`,
        params: meter,
        deviceParams: device,
        segments: [{ start: "first", cause: "start", atMs: startMs }],
      });
    });
  });
  const reportsPerMs = meters.reduce((sum, m) => sum + 1 / (m.params.reportEverySec * 1000), 0);
  const mainEndMs = startMs + Math.max(MINUTE_MS, Math.round(params.readingsTarget / reportsPerMs));

  const receiver = new ReceiverOutages(new Prng(params.seed, 0x5eed), params, startMs, mainEndMs);
  const events: SimEvent[] = receiver.events();
  const messages: SimMessage[] = [];
  params.devices.forEach((device, d) => {
    const sim = new DeviceSim(
      d,
      device,
      meters.filter((m) => m.device === d),
      params,
      new Prng(params.seed, d + 1),
      receiver,
      startMs,
      mainEndMs,
    );
    sim.run();
    for (const m of sim.messages) messages.push(m);
    for (const e of sim.events) events.push(e);
  });
  // Arrival order; ties (a burst at reconnection) keep the order the network carried them in.
  messages.sort(
    (a, b) =>
      a.arrivalMs - b.arrivalMs ||
      a.networkMs - b.networkMs ||
      a.device - b.device ||
      a.index - b.index,
  );
  messages.forEach((m, i) => {
    m.index = i;
  });
  events.sort((a, b) => a.startMs - b.startMs);
  return { params, meters, devicePaths, messages, events, startMs, mainEndMs };
}
