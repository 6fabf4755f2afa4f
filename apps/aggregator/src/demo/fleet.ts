import type { MqttClient } from "@coreflux/mqtt-adapter";

/**
 * A small simulated Shelly fleet for the demo: a few devices of several generations, each with
 * a steady load and a cumulative counter, publishing wire-shaped payloads every `periodMs`.
 * (The full simulator with fault injection and truth is a separate package.)
 */
interface DemoDevice {
  prefix: string;
  /** Publishes this device's messages for one tick. */
  tick(client: MqttClient, dtS: number, nowS: number): void;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** A relay/plug channel: a load that changes now and then, and its counter in Wh. */
class Channel {
  energyWh: number;
  powerW: number;
  constructor(
    readonly baseW: number,
    startWh: number,
  ) {
    this.energyWh = startWh;
    this.powerW = baseW;
  }
  advance(dtS: number): void {
    this.powerW = Math.max(0, this.baseW * (0.8 + 0.4 * Math.random()));
    this.energyWh += (this.powerW * dtS) / 3600;
  }
}

function switchStatus(id: number, c: Channel, nowS: number) {
  const minuteTs = Math.floor(nowS / 60) * 60;
  return {
    id,
    source: "init",
    output: c.powerW > 0,
    apower: round(c.powerW, 1),
    voltage: 230.1,
    freq: 50.0,
    current: round(c.powerW / 230.1, 3),
    aenergy: { total: round(c.energyWh, 3), by_minute: [0, 0, 0], minute_ts: minuteTs },
    temperature: { tC: 41.2, tF: 106.2 },
  };
}

/** Plus Plug S / PM Mini: full status on `status/<component>:0`. */
function statusPlug(
  prefix: string,
  component: "switch" | "pm1",
  baseW: number,
  startWh: number,
): DemoDevice {
  const c = new Channel(baseW, startWh);
  return {
    prefix,
    tick(client, dtS, nowS) {
      c.advance(dtS);
      client.publish(`${prefix}/status/${component}:0`, JSON.stringify(switchStatus(0, c, nowS)));
    },
  };
}

/** A plug with only `events/rpc` enabled (status_ntf off): NotifyStatus deltas. */
function notifyOnlyPlug(prefix: string, src: string, baseW: number, startWh: number): DemoDevice {
  const c = new Channel(baseW, startWh);
  return {
    prefix,
    tick(client, dtS, nowS) {
      c.advance(dtS);
      const frame = {
        src,
        dst: `${prefix}/events`,
        method: "NotifyStatus",
        params: {
          ts: round(nowS, 2),
          "switch:0": {
            apower: round(c.powerW, 1),
            aenergy: {
              total: round(c.energyWh, 3),
              by_minute: [0, 0, 0],
              minute_ts: Math.floor(nowS / 60) * 60,
            },
          },
        },
      };
      client.publish(`${prefix}/events/rpc`, JSON.stringify(frame));
    },
  };
}

/** Pro 4PM: four channels on `status/switch:0..3`. */
function pro4pm(prefix: string): DemoDevice {
  const channels = [120, 0.5, 850, 60].map((w, i) => new Channel(w, 845_120.334 + i * 1000));
  return {
    prefix,
    tick(client, dtS, nowS) {
      channels.forEach((c, id) => {
        c.advance(dtS);
        client.publish(`${prefix}/status/switch:${id}`, JSON.stringify(switchStatus(id, c, nowS)));
      });
    },
  };
}

/** Pro 3EM (triphase profile): `em:0` power and `emdata:0` counters. */
function pro3em(prefix: string): DemoDevice {
  const phases = [
    new Channel(410, 2_034_616.71),
    new Channel(900, 285_686.89),
    new Channel(250, 769_469.8),
  ];
  return {
    prefix,
    tick(client, dtS) {
      for (const p of phases) p.advance(dtS);
      const [a, b, c] = phases as [Channel, Channel, Channel];
      const em = {
        id: 0,
        a_current: round(a.powerW / 231, 3),
        a_voltage: 231.2,
        a_act_power: round(a.powerW, 1),
        a_aprt_power: round(a.powerW * 1.07, 1),
        a_pf: 0.93,
        a_freq: 50.0,
        b_current: round(b.powerW / 232, 3),
        b_voltage: 232.0,
        b_act_power: round(b.powerW, 1),
        b_aprt_power: round(b.powerW * 1.05, 1),
        b_pf: 0.95,
        b_freq: 50.0,
        c_current: round(c.powerW / 230, 3),
        c_voltage: 230.4,
        c_act_power: round(c.powerW, 1),
        c_aprt_power: round(c.powerW * 1.1, 1),
        c_pf: 0.91,
        c_freq: 50.0,
        n_current: null,
        total_current: round((a.powerW + b.powerW + c.powerW) / 231, 3),
        total_act_power: round(a.powerW + b.powerW + c.powerW, 3),
        total_aprt_power: round((a.powerW + b.powerW + c.powerW) * 1.07, 3),
        user_calibrated_phase: [],
      };
      const total = a.energyWh + b.energyWh + c.energyWh;
      const emdata = {
        id: 0,
        a_total_act_energy: round(a.energyWh, 2),
        a_total_act_ret_energy: 0,
        b_total_act_energy: round(b.energyWh, 2),
        b_total_act_ret_energy: 0,
        c_total_act_energy: round(c.energyWh, 2),
        c_total_act_ret_energy: 0,
        total_act: round(total, 2),
        total_act_ret: 0,
      };
      client.publish(`${prefix}/status/em:0`, JSON.stringify(em));
      client.publish(`${prefix}/status/emdata:0`, JSON.stringify(emdata));
    },
  };
}

/** Gen1 Plug S: `relay/0/power` in W and `relay/0/energy` in watt-minutes since boot. */
function gen1PlugS(id: string, baseW: number): DemoDevice {
  const c = new Channel(baseW, 3071.75);
  const prefix = `shellies/${id}`;
  return {
    prefix,
    tick(client, dtS) {
      c.advance(dtS);
      client.publish(`${prefix}/relay/0/power`, c.powerW.toFixed(2));
      client.publish(`${prefix}/relay/0/energy`, String(Math.floor(c.energyWh * 60)));
    },
  };
}

/** The demo fleet, under `company`; the Gen1 plug needs the `[[devices]]` entry {@link DEMO_PLACEMENTS}. */
export function demoFleet(company: string): DemoDevice[] {
  return [
    statusPlug(`${company}/Porto/MeetingRoom/Light1`, "switch", 42.7, 1203.554),
    statusPlug(`${company}/Porto/MeetingRoom/Projector`, "pm1", 180, 318_742.906),
    notifyOnlyPlug(
      `${company}/Porto/Kitchen/Fridge`,
      "shellyplusplugs-c82e18a1b2c3",
      95,
      52_847.213,
    ),
    pro4pm(`${company}/Lisbon/Lab/Pro4PM`),
    pro3em(`${company}/Lisbon/Plant/Pro3EM`),
    gen1PlugS("shellyplug-s-7AD4B1", 118.4),
  ];
}

/** Where the demo's Gen1 plug goes. */
export const DEMO_PLACEMENTS = [
  { match: "shellies/shellyplug-s-7AD4B1", path: "Lisbon/Lab/Kettle" },
];

/** Announces every device online, then publishes a tick every `periodMs`; returns a stop function. */
export function runFleet(client: MqttClient, devices: DemoDevice[], periodMs: number): () => void {
  for (const d of devices) client.publish(`${d.prefix}/online`, "true", { qos: 1 });
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const d of devices) d.tick(client, (now - last) / 1000, now / 1000);
    last = now;
  }, periodMs);
  return () => {
    clearInterval(timer);
    for (const d of devices) client.publish(`${d.prefix}/online`, "false", { qos: 1 });
  };
}
