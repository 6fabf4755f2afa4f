import { randomBytes } from "node:crypto";
import { setTimeout as sleep, setImmediate as yieldToLoop } from "node:timers/promises";
import mqtt, { type MqttClient } from "mqtt";
import { createFleet, type Fleet } from "../core/fleet";
import { formatPlacementsToml } from "../core/placements";
import type { SimMessage } from "../core/sim-message";
import { ShellySimulatorError } from "../errors";
import { CommandInbox } from "./command-inbox";
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
/** Command topics per SUBSCRIBE packet. */
const SUBSCRIBE_CHUNK = 500;

/**
 * Runs a simulated fleet against an MQTT broker: connects, publishes the fleet's messages in real
 * time times `speed` (or as fast as the broker accepts with `flood`), stops after `durationS`
 * simulated seconds, `maxMessages` or the `signal`, then lets every channel publish its counter
 * (`settle`), says `online` false for every device, and writes/publishes the truth. Resolves when
 * every message was acknowledged (QoS 1) or written (QoS 0) and the connection is closed. With
 * `commands`, the devices first subscribe to their command topics and carry out what arrives
 * between publishing steps (in speed mode at once: a waiting run wakes up for a command).
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
  const inbox = options.commands === true ? new CommandInbox() : undefined;

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

  /** Hands the commands received so far to the fleet (at simulated `tsMs`, default now) and publishes the answers. */
  const runCommands = async (tsMs?: number): Promise<void> => {
    if (inbox === undefined) return;
    for (const c of inbox.take()) await publishAll(fleet.handleCommand(c.topic, c.payload, tsMs));
  };

  try {
    if (inbox !== undefined) await listen(client, fleet.commandTopics(), inbox);
    const stopReason =
      options.flood === true
        ? await flood(fleet, options, publishAll, () => published, runCommands)
        : await realTime(fleet, options, publishAll, () => published, runCommands, inbox);
    await runCommands();
    if (inbox !== undefined) client.off("message", inbox.push);
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
      commands: fleet.commandStats(),
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
type RunCommands = (tsMs?: number) => Promise<void>;

/** Subscribes (QoS 1) to the command topics and routes what arrives into the inbox. */
async function listen(client: MqttClient, topics: string[], inbox: CommandInbox): Promise<void> {
  client.on("message", inbox.push);
  for (let i = 0; i < topics.length; i += SUBSCRIBE_CHUNK) {
    const granted = await client.subscribeAsync(topics.slice(i, i + SUBSCRIBE_CHUNK), { qos: 1 });
    const refused = granted.find((g) => g.qos === 128);
    if (refused !== undefined) {
      throw new ShellySimulatorError(
        "CONNECT_FAILED",
        `the broker refused the subscription to ${refused.topic}`,
      );
    }
  }
}
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
  runCommands: RunCommands,
  inbox: CommandInbox | undefined,
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
    await runCommands(target);
    if (fleet.nowMs >= endMs || remainingOf(options, published()) <= 0) continue;
    const nextSimMs = Math.min(fleet.nextEventMs, endMs);
    const waitMs = Math.min(MAX_SLEEP_MS, Math.max(0, (nextSimMs - fleet.nowMs) / speed));
    if (inbox !== undefined) {
      if (!(await inbox.wait(waitMs, options.signal))) return "aborted";
      continue;
    }
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
  runCommands: RunCommands,
): Promise<StopReason> {
  const endMs = endOf(fleet, options);
  for (;;) {
    if (options.signal?.aborted) return "aborted";
    const remaining = remainingOf(options, published());
    if (remaining <= 0) return "max-messages";
    const batch = fleet.next(Math.min(FLOOD_BATCH, remaining), endMs);
    if (batch.length === 0) return "duration";
    await publishAll(batch);
    await runCommands();
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
