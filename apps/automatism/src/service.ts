import { AutomationEngine, AutomationError } from "@coreflux/automation";
import { brokerUrls, Placement, type SystemConfig } from "@coreflux/config";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import { parseShellyMessage, type ShellyMessage } from "@coreflux/shelly-schema";
import type { Logger } from "pino";
import { commandMessage, switchChannel } from "./command-messages";
import { DeviceDirectory } from "./device-directory";
import { EventReporter } from "./event-reporter";
import { startHttpListener } from "./http-listener";
import { AutomatismMetrics } from "./metrics";
import { type MirrorOptions, ScheduleMirror } from "./schedule-mirror";
import { automationOptions } from "./settings";
import { readAutomatismState, writeAutomatismState } from "./state-file";

/** How often the engine is asked what to do, ms. */
const TICK_MS = 250;

/** A running automatism. */
export interface AutomatismService {
  engine: AutomationEngine;
  metrics: AutomatismMetrics;
  httpUrl: string | undefined;
  /** Stops: last state write, `offline` status, connections closed. */
  stop(): Promise<void>;
}

/** Thrown for problems that stop the start (exit code 1). */
export class AutomatismStartError extends Error {
  override readonly name = "AutomatismStartError";
}

/** Starts the automatism of `config` (its `[automatism]` table and the shared ones). */
export async function startAutomatism(
  config: SystemConfig,
  log: Logger,
  clock: () => number = Date.now,
): Promise<AutomatismService> {
  const a = config.automatism;
  const company = config.company.name;
  // A partition's automatism switches the devices of its subtrees only.
  const placement = new Placement(company, config.devices, config.company.roots);
  const options = automationOptions(config);
  const restored = restoreEngine(a.state_path, options, log, clock());
  const engine = restored.engine;
  const directory = new DeviceDirectory();
  let client: MqttClient | undefined;
  const metrics = new AutomatismMetrics(() => ({
    brokerConnected: client?.isConnected === true,
    channels: engine.channelCount,
    channelsInWindow: engine.channelsInWindow,
    mirror: mirror?.stats() as Readonly<Record<string, number>> | undefined,
  }));
  const dryRunRules = new Set(options.rules.filter((r) => r.dryRun).map((r) => r.name));
  const urls = brokerUrls(config.mqtt) ?? [
    `mqtt://${config.mqtt.embedded.host}:${config.mqtt.embedded.port}`,
  ];
  const rpcTopic = `${a.client_id}/rpc`;
  const subscriptions = a.enabled
    ? [...placement.subscriptions(config.company.topics), rpcTopic].map((filter) => ({
        filter,
        qos: 1 as const,
      }))
    : [];
  client = createMqttClient({
    ...(urls.length === 1 ? { url: urls[0]! } : { urls }),
    clientId: a.client_id,
    ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
    ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
    protocolVersion: config.mqtt.protocol_version,
    keepaliveS: config.mqtt.keepalive_seconds,
    clean: true,
    subscriptions,
    statusTopic:
      config.company.instance === undefined
        ? `${company}/automatism/status`
        : `${company}/automatism/${config.company.instance}/status`,
    logger: log.child({ module: "mqtt" }),
  });
  client.on("error", () => {
    // Logged by the adapter; it keeps reconnecting.
  });
  client.on("subscribed", ({ filters, refused }) => log.info({ filters, refused }, "subscribed"));
  const reporter = new EventReporter(
    (topic, payload) => client?.publish(topic, payload, { qos: 1, retain: false }),
    `${company}/automatism/events`,
    log.child({ module: "decisions" }),
  );
  // The rules written into the devices' own schedules too ([automatism] mirror_on_device).
  let mirrorChanged = false;
  let mirror: ScheduleMirror | undefined;
  if (a.enabled && a.mirror_on_device) {
    const mirrorOptions: MirrorOptions = {
      rules: options.rules,
      clientId: a.client_id,
      publish: (topic, payload) => client?.publish(topic, payload, { qos: 1, retain: false }),
      log: log.child({ module: "schedule-mirror" }),
      onChange: () => {
        mirrorChanged = true;
      },
    };
    mirror =
      restored.scheduleMirror === undefined
        ? new ScheduleMirror(mirrorOptions)
        : ScheduleMirror.restore(restored.scheduleMirror, mirrorOptions);
  }
  /** RPC ids of commands out, to route a device's refusal back to its channel. */
  const rpcOut = new Map<number, { path: string; channel: number }>();
  let nextRpcId = 1;

  const onMessage = (topic: string, payload: Uint8Array): void => {
    metrics.counts.received++;
    const nowMs = clock();
    const parsed = parseShellyMessage(topic, payload);
    if (!parsed.ok) {
      metrics.counts.rejected++;
      return;
    }
    const m = parsed.message;
    if (m.kind === "rpc-response") {
      const mirrors =
        typeof m.id === "number" && mirror?.onRpcResponse(m.id, m.result, m.error, nowMs) === true;
      if (topic === rpcTopic && !mirrors) onRpcResponse(m, nowMs);
      return;
    }
    const src = "src" in m && typeof m.src === "string" ? m.src : undefined;
    const placed = placement.place(m.prefix, src);
    if (placed === undefined) return;
    const path = placed.slice(1).join("/");
    directory.see(path, m.prefix, m.generation);
    if (m.kind === "online") {
      engine.availability(path, m.online);
      return;
    }
    for (const r of m.readings) {
      const channel = switchChannel(r.component);
      if (channel === undefined || r.output === undefined) continue;
      engine.status(path, channel, r.output, r.source, nowMs);
      mirror?.channelSeen(directory.get(path)!, channel, nowMs);
    }
  };
  const onRpcResponse = (m: Extract<ShellyMessage, { kind: "rpc-response" }>, nowMs: number) => {
    const out = rpcOut.get(m.id as number);
    if (out === undefined) return;
    rpcOut.delete(m.id as number);
    if ("error" in m && m.error !== undefined) {
      engine.commandFailed(out.path, out.channel, nowMs);
      log.warn(
        { path: out.path, channel: out.channel, error: m.error },
        "the device refused the command",
      );
    }
  };
  client.onMessage(onMessage);

  const tick = (): void => {
    const nowMs = clock();
    const out = engine.tick(nowMs);
    for (const command of out.commands) {
      const device = directory.get(command.path);
      if (device === undefined) continue; // seen through its status, so known: defensive only
      const id = nextRpcId++;
      const message = commandMessage(command, device, a.command, a.client_id, id);
      if (message.rpcId !== undefined)
        rpcOut.set(message.rpcId, { path: command.path, channel: command.channel });
      client?.publish(message.topic, message.payload, { qos: 1, retain: false });
      metrics.counts.commandsPublished++;
    }
    if (out.events.length > 0) {
      metrics.count(out.events);
      reporter.report(out.events, nowMs, (rule) => dryRunRules.has(rule));
    }
    mirror?.tick(nowMs);
    // What must survive a restart (attempts, confirmations, overrides, failures, the jobs the
    // mirror created) changes only with a command, an event or the mirror; channel states are
    // reported again by the devices.
    if (mirrorChanged || out.commands.length > 0 || out.events.length > 0) {
      mirrorChanged = false;
      saveState(a.state_path, company, engine, mirror, clock(), log);
    }
  };

  let http: Awaited<ReturnType<typeof startHttpListener>> | undefined;
  if (a.http_port !== undefined) {
    http = await startHttpListener({
      host: config.http.host,
      port: a.http_port,
      registry: metrics.registry,
      health: () => ({
        status: client?.isConnected ? "ok" : "degraded",
        enabled: a.enabled,
        brokerConnected: client?.isConnected === true,
        channels: engine.channelCount,
        channelsInWindow: engine.channelsInWindow,
        devices: directory.size,
        ...(mirror === undefined ? {} : { scheduleMirror: mirror.stats() }),
      }),
    });
    log.info({ url: http.url }, "HTTP listener: /healthz and /metrics");
  }
  await client.connect({ wait: false });
  let timer: NodeJS.Timeout | undefined;
  if (a.enabled) {
    timer = setInterval(tick, TICK_MS);
    log.info(
      {
        rules: options.rules.map((r) => ({
          name: r.name,
          windows: r.windows,
          timeZone: r.timeZone,
          dryRun: r.dryRun === true,
        })),
        command: a.command,
        statePath: a.state_path,
      },
      "automatism started",
    );
  } else {
    log.warn(
      "[automatism] enabled is not true: the automatism runs, reports its status and sends nothing",
    );
  }

  return {
    engine,
    metrics,
    httpUrl: http?.url,
    stop: async () => {
      if (timer !== undefined) clearInterval(timer);
      reporter.flush();
      if (a.enabled) saveState(a.state_path, company, engine, mirror, clock(), log);
      await client?.close();
      await http?.close();
      log.info("automatism stopped");
    },
  };
}

/** The engine from the state file (or a new one), and the schedule mirror's part of the file. */
function restoreEngine(
  path: string,
  options: ReturnType<typeof automationOptions>,
  log: Logger,
  nowMs: number,
): { engine: AutomationEngine; scheduleMirror: unknown } {
  const fresh = () => ({ engine: new AutomationEngine(options), scheduleMirror: undefined });
  let loaded: ReturnType<typeof readAutomatismState>;
  try {
    loaded = readAutomatismState(path, nowMs);
  } catch (error) {
    throw new AutomatismStartError(
      `cannot read the automatism state ${path}: ${(error as Error).message}`,
    );
  }
  if (loaded.kind === "none") return fresh();
  if (loaded.kind === "corrupt") {
    log.error(
      { path, movedTo: loaded.movedTo, reason: loaded.reason },
      "AUTOMATISM STATE UNUSABLE: moved aside, starting without it",
    );
    return fresh();
  }
  try {
    const engine = AutomationEngine.restore(loaded.state.engine, options);
    log.info(
      { path, channels: engine.channelCount },
      "automatism state restored: attempts, confirmations and overrides continue",
    );
    return { engine, scheduleMirror: loaded.state.scheduleMirror };
  } catch (error) {
    if (!(error instanceof AutomationError)) throw error;
    log.error({ path, reason: error.message }, "AUTOMATISM STATE UNUSABLE: starting without it");
    return fresh();
  }
}

function saveState(
  path: string,
  company: string,
  engine: AutomationEngine,
  mirror: ScheduleMirror | undefined,
  nowMs: number,
  log: Logger,
): void {
  try {
    writeAutomatismState(path, {
      format: "coreflux.automatism.state",
      version: 1,
      savedAtMs: nowMs,
      company,
      engine: engine.snapshot(),
      ...(mirror === undefined ? {} : { scheduleMirror: mirror.snapshot() }),
    });
  } catch (error) {
    log.error({ err: error, path }, "automatism state write failed; retried at the next change");
  }
}
