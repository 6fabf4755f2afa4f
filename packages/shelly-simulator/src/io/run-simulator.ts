import { randomBytes } from "node:crypto";
import { setTimeout as sleep, setImmediate as yieldToLoop } from "node:timers/promises";
import mqtt, { type MqttClient } from "mqtt";
import { createFleet, type Fleet } from "../core/fleet";
import { formatPlacementsToml } from "../core/placements";
import type { SimMessage } from "../core/sim-message";
import { ShellySimulatorError } from "../errors";
import { PublishWindow } from "./publish-window";
import {
  checkRunOptions,
  DEFAULT_URL,
  fleetOptionsOf,
  type RunSimulatorOptions,
  type RunSimulatorResult,
} from "./run-options";
import { writeFileAtomic } from "./write-file-atomic";

/** Messages per flood batch: small, so a batch dies young (large batches get promoted by the GC). */
const FLOOD_BATCH = 256;
/** Longest sleep in speed mode, ms: keeps stop signals and progress timely. */
const MAX_SLEEP_MS = 100;

/**
 * Runs a simulated fleet against an MQTT broker: connects, publishes the fleet's messages in real
 * time times `speed` (or as fast as the broker accepts with `flood`), stops after `durationS`
 * simulated seconds, `maxMessages` or the `signal`, then lets every channel publish its counter
 * (`settle`), says `online` false for every device, and writes/publishes the truth. Resolves when
 * every message was acknowledged (QoS 1) or written (QoS 0) and the connection is closed.
 *
 * Throws {@link ShellySimulatorError}: `INVALID_OPTIONS`, `CONNECT_FAILED`, `PUBLISH_FAILED`,
 * `WRITE_FAILED`.
 */
export async function runSimulator(options: RunSimulatorOptions = {}): Promise<RunSimulatorResult> {
  const errors = checkRunOptions(options);
  if (errors.length > 0) {
    throw new ShellySimulatorError("INVALID_OPTIONS", `invalid options: ${errors.join("; ")}`);
  }
  const fleet = createFleet(fleetOptionsOf(options));
  const placements = fleet.placements();
  if (options.placementsFile !== undefined) {
    await writeFileAtomic(
      options.placementsFile,
      formatPlacementsToml(
        placements,
        `Placement rules of shelly-sim (seed ${fleet.options.seed}, company ${fleet.options.company}):\ndevices whose topic prefix is not Company/Office/Room/Device.`,
      ),
    );
  }
  const qos = options.qos ?? 1;
  const client = await connect(
    options.url ?? DEFAULT_URL,
    options.clientId ?? `shelly-sim-${fleet.options.seed}-${randomBytes(4).toString("hex")}`,
  );
  const window = new PublishWindow(client, qos, options.maxInFlight ?? 1000);
  const onClose = (): void => window.fail(new Error("connection to the broker closed"));
  const onError = (error: Error): void => window.fail(error);
  client.on("close", onClose);
  client.on("error", onError);

  const started = performance.now();
  let published = 0;
  let lastProgress = started;
  const progressEvery = options.progressIntervalMs ?? 5000;
  const publishAll = async (messages: SimMessage[]): Promise<void> => {
    for (const m of messages) {
      const wait = window.publish(m.topic, m.payload);
      if (wait !== undefined) await wait;
    }
    published += messages.length;
    if (options.onProgress !== undefined) {
      const now = performance.now();
      if (now - lastProgress >= progressEvery) {
        lastProgress = now;
        options.onProgress({
          messages: published,
          simulatedMs: fleet.nowMs - fleet.options.startMs,
          wallMs: now - started,
          messagesPerSecond: (published * 1000) / Math.max(1, now - started),
        });
      }
    }
  };

  try {
    const stopReason =
      options.flood === true
        ? await flood(fleet, options, publishAll, () => published)
        : await realTime(fleet, options, publishAll, () => published);
    await publishAll(fleet.settle());
    const truth = fleet.truth();
    const stats = fleet.stats();
    await publishAll(fleet.shutdown());
    await window.drain();
    const wallMs = performance.now() - started;
    if (options.truthTopic !== undefined) {
      await client.publishAsync(options.truthTopic, JSON.stringify(truth), {
        qos: 1,
        retain: true,
      });
    }
    client.off("close", onClose);
    await client.endAsync();
    if (options.truthFile !== undefined) {
      await writeFileAtomic(options.truthFile, `${JSON.stringify(truth, null, 2)}\n`);
    }
    return {
      messages: published,
      simulatedMs: fleet.nowMs - fleet.options.startMs,
      wallMs,
      messagesPerSecond: (published * 1000) / Math.max(1, wallMs),
      stopReason,
      truth,
      placements,
      stats,
    };
  } catch (cause) {
    client.off("close", onClose);
    await client.endAsync(true).catch(() => undefined);
    if (cause instanceof ShellySimulatorError) throw cause;
    throw new ShellySimulatorError(
      "PUBLISH_FAILED",
      `publishing failed: ${(cause as Error).message}`,
      { cause },
    );
  } finally {
    client.off("error", onError);
  }
}

type PublishAll = (messages: SimMessage[]) => Promise<void>;
type StopReason = RunSimulatorResult["stopReason"];

/** Simulated end of a run, Unix ms (Infinity without `durationS`). */
function endOf(fleet: Fleet, options: RunSimulatorOptions): number {
  return options.durationS === undefined
    ? Number.POSITIVE_INFINITY
    : fleet.options.startMs + options.durationS * 1000;
}

/** Messages still to publish before `maxMessages` (Infinity without it). */
function remainingOf(options: RunSimulatorOptions, published: number): number {
  return options.maxMessages === undefined
    ? Number.POSITIVE_INFINITY
    : options.maxMessages - published;
}

/** Real time × speed: the fleet is stepped to where the wall clock says simulated time is. */
async function realTime(
  fleet: Fleet,
  options: RunSimulatorOptions,
  publishAll: PublishAll,
  published: () => number,
): Promise<StopReason> {
  const speed = options.speed ?? 1;
  const startMs = fleet.options.startMs;
  const endMs = endOf(fleet, options);
  const wallStart = performance.now();
  for (;;) {
    if (options.signal?.aborted) return "aborted";
    const remaining = remainingOf(options, published());
    if (remaining <= 0) return "max-messages";
    if (fleet.nowMs >= endMs) return "duration";
    const target = Math.min(startMs + (performance.now() - wallStart) * speed, endMs);
    if (target >= fleet.nowMs) await publishAll(fleet.next(remaining, target));
    if (fleet.nowMs >= endMs || remainingOf(options, published()) <= 0) continue;
    const nextSimMs = Math.min(fleet.nextEventMs, endMs);
    const waitMs = Math.min(MAX_SLEEP_MS, Math.max(0, (nextSimMs - fleet.nowMs) / speed));
    try {
      await sleep(waitMs, undefined, { signal: options.signal });
    } catch {
      return "aborted";
    }
  }
}

/** As fast as the broker accepts: batches of messages, simulated time advancing per batch. */
async function flood(
  fleet: Fleet,
  options: RunSimulatorOptions,
  publishAll: PublishAll,
  published: () => number,
): Promise<StopReason> {
  const endMs = endOf(fleet, options);
  for (;;) {
    if (options.signal?.aborted) return "aborted";
    const remaining = remainingOf(options, published());
    if (remaining <= 0) return "max-messages";
    const batch = fleet.next(Math.min(FLOOD_BATCH, remaining), endMs);
    if (batch.length === 0) return "duration";
    await publishAll(batch);
    // Let the socket, timers and signals run even when every publish was accepted at once.
    await yieldToLoop();
  }
}

async function connect(url: string, clientId: string): Promise<MqttClient> {
  try {
    return await mqtt.connectAsync(url, {
      clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
    });
  } catch (cause) {
    throw new ShellySimulatorError(
      "CONNECT_FAILED",
      `cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}
