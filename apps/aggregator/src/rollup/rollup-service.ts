import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { brokerUrls, rollupSourceLevel } from "@coreflux/config";
import { createMqttClient, type MqttClient } from "@coreflux/mqtt-adapter";
import type { Logger } from "pino";
import type { AggregatorConfig } from "../config/load";
import { redactUrl } from "../logger";
import { StartupError } from "../startup-error";
import { RollupEngine } from "./rollup-engine";
import { RollupCounts, RollupMetrics } from "./rollup-metrics";
import {
  ROLLUP_STATE_FORMAT,
  ROLLUP_STATE_VERSION,
  readRollupState,
  writeRollupState,
} from "./rollup-state";
import { parseSourcePayload } from "./source-payload";

/** A running roll-up. */
export interface RollupService {
  brokerUrl: string;
  /** Base URL of /healthz and /metrics, when `[http] port` is set. */
  httpUrl: string | undefined;
  engine: RollupEngine;
  metrics: RollupMetrics;
  /** Runs one publish cycle now (the timer does this every interval). */
  publishNow(): void;
  /** Graceful stop: final publish, final state write, `offline` status, close everything. */
  stop(): Promise<void>;
  /** True once the stop has written the final state. */
  readonly finalStateWritten: boolean;
  /** Totals queued or in flight, not yet confirmed by the broker. */
  readonly unconfirmedPublishes: number;
}

/** How many publish intervals a source's power stays counted after its `UnixTimestamp`. */
export const FRESH_INTERVALS = 3;
/** Distinct topics whose bad payload is logged (then only counted): bounds a flood's log. */
const MAX_REPORTED_TOPICS = 1000;

/** The roll-up's MQTT client id: `[rollup] client_id`, else `[mqtt] client_id` + `-rollup`. */
export function rollupClientId(config: AggregatorConfig): string {
  return config.rollup?.client_id ?? `${config.mqtt.client_id}-rollup`;
}

/**
 * Starts the roll-up described by `config` (which has `[rollup]`): subscribes to the sources
 * and the partitions' status topics, publishes every node above the sources every
 * `[publish] interval_seconds`, keeps the held values in `[state] path`.
 */
export async function startRollupService(
  config: AggregatorConfig,
  log: Logger,
  clock: () => number = Date.now,
): Promise<RollupService> {
  const rollup = config.rollup;
  const urls = brokerUrls(config.mqtt);
  const url = urls?.[0];
  if (rollup === undefined || urls === undefined || url === undefined) {
    throw new StartupError("the roll-up needs [rollup] and [mqtt] url (or urls)");
  }
  const company = config.company.name;
  const level = rollupSourceLevel(rollup.sources[0]!);
  if (typeof level !== "string") throw new StartupError(`[rollup] sources: ${level.problem}`);
  const intervalMs = Math.round(config.publish.interval_seconds * 1000);
  const timeZone = config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const engine = new RollupEngine({
    company,
    level,
    sources: rollup.sources,
    partitions: rollup.partitions,
    timeZone,
    // +1 s: UnixTimestamp is whole seconds, cut down.
    freshForMs: FRESH_INTERVALS * intervalMs + 1000,
    nested: config.publish.nested,
  });
  restore(engine, config.state.path, company, log, clock());

  let client: MqttClient | undefined;
  const metrics = new RollupMetrics(() => ({
    sources: engine.sourceCount,
    partitions: engine.partitions(),
    brokerConnected: client?.isConnected === true,
  }));
  const counts = metrics.counts;
  const statusTopics = new Map<string, string>(
    rollup.partitions.map((p) => [`${company}/aggregator/${p}/status`, p]),
  );
  const reportedTopics = new Set<string>();
  const reportOnce = (topic: string): boolean => {
    if (reportedTopics.has(topic) || reportedTopics.size >= MAX_REPORTED_TOPICS) return false;
    reportedTopics.add(topic);
    return true;
  };

  const handleMessage = (topic: string, payload: Uint8Array): void => {
    counts.received++;
    const partition = statusTopics.get(topic);
    if (partition !== undefined) {
      const text = Buffer.from(payload).toString("utf8").trim();
      const before = engine.partitions().find((p) => p.Name === partition)?.Status;
      const status = engine.setPartitionStatus(partition, text);
      if (status === undefined) {
        RollupCounts.bump(counts.ignored, "bad-status");
        if (reportOnce(topic))
          log.warn({ topic, partition }, "partition status is neither online nor offline: ignored");
      } else if (status !== before) {
        (status === "online" ? log.info : log.warn).call(
          log,
          { partition, status },
          "partition status",
        );
      }
      return;
    }
    const parsed = parseSourcePayload(topic, payload, config.limits.max_payload_bytes);
    if (!parsed.ok) {
      RollupCounts.bump(counts.rejected, parsed.error.code);
      if (reportOnce(topic)) {
        log.warn(
          { topic, code: parsed.error.code, reason: parsed.error.message },
          "source payload rejected (logged once per topic, then only counted)",
        );
      }
      return;
    }
    const outcome = engine.apply(topic, parsed.reading);
    if (outcome.kind === "unexpected-topic" || outcome.kind === "older") {
      RollupCounts.bump(counts.ignored, outcome.kind);
      if (outcome.kind === "older")
        log.debug({ topic, ...outcome }, "older source message ignored");
      return;
    }
    counts.accepted++;
    if (outcome.discovered) log.info({ topic, name: parsed.reading.name }, "source discovered");
    if (outcome.decreased.length > 0) {
      counts.decreasesHeld++;
      if (outcome.firstDecrease) {
        log.warn(
          { topic, decreased: outcome.decreased },
          "source sent a lower lifetime total than the one held (a partition restarted from an older state?): the held total is kept until the source passes it (logged once per source, counted in coreflux_rollup_decreases_held_total)",
        );
      }
    }
  };

  const subscriptions = [...rollup.sources, ...statusTopics.keys()].map((filter) => ({
    filter,
    qos: config.mqtt.qos,
  }));
  const m = config.mqtt;
  const tls =
    m.ca_file || m.cert_file || m.key_file || !m.reject_unauthorized
      ? {
          ...(m.ca_file ? { caFile: m.ca_file } : {}),
          ...(m.cert_file ? { certFile: m.cert_file } : {}),
          ...(m.key_file ? { keyFile: m.key_file } : {}),
          rejectUnauthorized: m.reject_unauthorized,
        }
      : undefined;
  const statusTopic = `${company}/aggregator/rollup/status`;
  client = createMqttClient({
    ...(urls.length === 1 ? { url } : { urls }),
    clientId: rollupClientId(config),
    ...(m.username ? { username: m.username } : {}),
    ...(m.password ? { password: m.password } : {}),
    protocolVersion: m.protocol_version,
    keepaliveS: m.keepalive_seconds,
    clean: m.clean_session,
    ...(m.protocol_version === 5 && !m.clean_session
      ? { sessionExpiryIntervalS: m.session_expiry_seconds }
      : {}),
    ...(tls ? { tls } : {}),
    subscriptions,
    statusTopic,
    logger: log.child({ module: "mqtt" }),
  });
  client.onMessage(handleMessage);
  client.on("error", () => {
    // Logged by the adapter; the client keeps reconnecting.
  });
  client.on("subscribed", ({ filters, refused }) => log.info({ filters, refused }, "subscribed"));

  let lastPublishMs: number | undefined;
  let saveWanted = false;
  const saveState = (): void => {
    writeRollupState(config.state.path, {
      format: ROLLUP_STATE_FORMAT,
      version: ROLLUP_STATE_VERSION,
      savedAtMs: clock(),
      company,
      rollup: engine.snapshot(),
    });
  };
  const cycle = (): void => {
    const started = performance.now();
    const nowMs = clock();
    // The held values go to disk before the totals built from them are published: a restart
    // never publishes a total below one already sent.
    saveWanted ||= engine.takeChanged();
    if (saveWanted) {
      try {
        saveState();
        saveWanted = false;
      } catch (error) {
        counts.stateWriteFailures++;
        log.error(
          { err: error, path: config.state.path },
          "state file write failed; retrying next cycle",
        );
      }
    }
    const built = engine.build(nowMs);
    for (const message of built.messages) {
      if (
        client?.publish(message.topic, JSON.stringify(message.payload), {
          qos: config.publish.qos,
          retain: config.publish.retain,
        })
      ) {
        counts.published++;
      }
    }
    lastPublishMs = nowMs;
    metrics.cycleSeconds.observe((performance.now() - started) / 1000);
    const partitions = engine.partitions();
    log.info(
      {
        sources: engine.sourceCount,
        published: built.messages.length,
        totalWh: built.company ? built.company.totalMwh / 1000 : 0,
        powerW: built.company ? built.company.powerMw / 1000 : 0,
        lagging: partitions.filter((p) => p.Status !== "online").map((p) => p.Name),
      },
      "publish cycle",
    );
  };

  let http: { url: string; close(): Promise<void> } | undefined;
  if (config.http.port !== undefined) {
    http = await startHttp(config.http.host, config.http.port, metrics, () => {
      const connected = client?.isConnected === true;
      return {
        status: connected ? "ok" : "degraded",
        brokerConnected: connected,
        lastPublishUnixTimestamp:
          lastPublishMs === undefined ? null : Math.floor(lastPublishMs / 1000),
        sources: engine.sourceCount,
        partitions: engine.partitions(),
        messagesReceived: counts.received,
      };
    });
    log.info({ url: http.url }, "HTTP listener: /healthz and /metrics");
  }

  await client.connect({ wait: false });
  log.info(
    {
      url: redactUrl(url),
      company,
      level,
      sources: rollup.sources,
      partitions: rollup.partitions,
      clientId: rollupClientId(config),
      statusTopic,
      intervalS: config.publish.interval_seconds,
      timeZone,
      statePath: config.state.path,
    },
    "roll-up started",
  );
  const timer = setInterval(cycle, intervalMs);

  let stopping: Promise<void> | undefined;
  let finalStateWritten = false;
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    cycle();
    try {
      saveState();
      finalStateWritten = true;
      log.info({ path: config.state.path }, "final state written");
    } catch (error) {
      log.error({ err: error, path: config.state.path }, "final state write failed");
    }
    await client?.close();
    await http?.close();
    log.info("roll-up stopped");
  };

  return {
    brokerUrl: url,
    httpUrl: http?.url,
    engine,
    metrics,
    publishNow: cycle,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
    get finalStateWritten() {
      return finalStateWritten;
    },
    get unconfirmedPublishes() {
      const stats = client?.stats();
      return stats === undefined ? 0 : stats.queued + stats.inFlight;
    },
  };
}

/** Restores the held sources from the state file, or says loudly why it starts empty. */
function restore(
  engine: RollupEngine,
  path: string,
  company: string,
  log: Logger,
  nowMs: number,
): void {
  const loaded = readRollupState(path, company, nowMs);
  switch (loaded.kind) {
    case "none":
      log.info({ path }, "no roll-up state file yet: starting with no sources held");
      return;
    case "aggregator-state":
      throw new StartupError(
        `${path} is the device aggregator's state file: give the roll-up its own [state] path (it is left untouched)`,
      );
    case "corrupt":
      log.error(
        { path, movedTo: loaded.movedTo, reason: loaded.reason },
        "STATE FILE UNUSABLE: moved aside and starting with no sources held; the totals come back as the partitions re-send",
      );
      return;
    case "ok": {
      const { restored, dropped } = engine.restore(loaded.state.rollup);
      if (dropped.length > 0) {
        log.warn({ dropped }, "held sources no longer under [rollup] sources were dropped");
      }
      log.info(
        { path, sources: restored, savedAt: new Date(loaded.state.savedAtMs).toISOString() },
        "roll-up state restored: totals continue from the held values",
      );
    }
  }
}

/** A listener for `GET /healthz` (JSON, 200 or 503) and `GET /metrics` (Prometheus text). */
async function startHttp(
  host: string,
  port: number,
  metrics: RollupMetrics,
  health: () => { status: "ok" | "degraded" } & Record<string, unknown>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/healthz") {
      const h = health();
      response
        .writeHead(h.status === "ok" ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify(h));
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else {
      response
        .writeHead(404, { "content-type": "text/plain" })
        .end("not found: try /healthz or /metrics\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
