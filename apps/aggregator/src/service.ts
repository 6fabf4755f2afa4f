import { renameSync, rmSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { brokerUrls, Placement } from "@coreflux/config";
import { EnergyEngine, type EngineOptions, type NodeId } from "@coreflux/hierarchy";
import { HistoryError } from "@coreflux/history";
import {
  createMqttClient,
  type EmbeddedBroker,
  MqttAdapterError,
  type MqttClient,
  type MqttClientOptions,
  startEmbeddedBroker,
} from "@coreflux/mqtt-adapter";
import type { Logger } from "pino";
import pkg from "../package.json";
import type { AggregatorConfig } from "./config/load";
import type { HistoryOutput } from "./history/history-output";
import { type HistoryState, startHistory } from "./history/start-history";
import { DiscoveryOutput } from "./homeassistant/discovery-output";
import { startHttpServer } from "./http-server";
import { Intake } from "./intake";
import { listed, redactUrl } from "./logger";
import { nextSlice, nextSliceTurn, type ScheduledSlice } from "./loop-share";
import { Metrics } from "./metrics";
import type { CycleOutput, PublishCycle } from "./output/cycle-output";
import { Publisher } from "./publisher";
import { SettleTurns } from "./settle-turn";
import { StartupError } from "./startup-error";
import { type StateMeta, toStateDocument } from "./state-document";
import { type JournalContents, readJournal, StateJournal } from "./state-journal";
import { moveAside, readState, type StateDocumentToWrite, writeStateSync } from "./state-store";
import {
  nextStateWriteMs,
  StateWriter,
  writerOldGenerationMb,
  writerYoungGenerationMb,
} from "./state-writer";
import { apiHistory } from "./web/api-history";
import { apiNodes } from "./web/api-nodes";
import { EventStream } from "./web/event-stream";
import { LiveOutput } from "./web/live-output";
import { loadStaticFiles } from "./web/static-files";
import type { WebContext } from "./web/web-routes";

/** A running aggregator. */
export interface Service {
  /** The broker URL in use (the embedded broker's, when started). */
  brokerUrl: string;
  /** Base URL of /healthz and /metrics, when the HTTP listener runs. */
  httpUrl: string | undefined;
  engine: EnergyEngine;
  metrics: Metrics;
  /** Runs one publish cycle now (the timer does this every interval). */
  publishNow(): void;
  /** Graceful stop: stop intake, final publish, final state write, `offline`, close everything. */
  stop(): Promise<void>;
  /** True once the stop has written the final state: what is left (closing) can lose nothing. */
  readonly finalStateWritten: boolean;
  /** Aggregates queued or in flight, not yet confirmed by the broker (what a slow stop leaves). */
  readonly unconfirmedPublishes: number;
}

export { StartupError } from "./startup-error";

/**
 * Messages a running cycle keeps in the client's publish queue at most; the publisher keeps the
 * rest waiting as node ids and builds them when the queue has gone out. Two slices' worth:
 * 10,000 held built messages long enough to reach V8's old generation, and peak RSS in the
 * 10,000-device benchmark was 306-346 MB against 222-248 MB with 1,000 (BENCHMARKS.md).
 */
const PUBLISH_QUEUE_MESSAGES = 1_000;

/**
 * Messages the client's publish queue holds at most, and what the last cycle before a stop may
 * queue: a stop publishes a whole cycle's changes of a large fleet before the client closes.
 */
const PUBLISH_QUEUE_STOP_MESSAGES = 10_000;

/** Starts the aggregator described by `config`. */
export async function startService(
  config: AggregatorConfig,
  log: Logger,
  clock: () => number = Date.now,
): Promise<Service> {
  const company = config.company.name;
  const placement = new Placement(company, config.devices, config.company.roots);
  const instance = config.company.instance;
  /** Where this instance says `online`/`offline` (retained; the last will when it dies). */
  const statusTopic =
    instance === undefined
      ? `${company}/aggregator/status`
      : `${company}/aggregator/${instance}/status`;
  const engineOptions = toEngineOptions(config);
  const restored = restoreEngine(config.state.path, company, engineOptions, log, clock());
  const engine = restored.engine;
  const history = await startHistory(
    config,
    company,
    engine,
    restored.history,
    log,
    clock,
    instance === undefined
      ? undefined
      : { instance, aboveRoots: (path) => placement.isAboveRoots(path) },
  );
  /** Outputs fed by each publish cycle after the MQTT publisher. */
  const outputs: CycleOutput[] = history === undefined ? [] : [history];

  let broker: EmbeddedBroker | undefined;
  const urls = brokerUrls(config.mqtt);
  let brokerUrl = urls?.[0];
  if (brokerUrl === undefined) {
    const { host, port } = config.mqtt.embedded;
    try {
      broker = await startEmbeddedBroker({ host, port });
    } catch (error) {
      if (error instanceof MqttAdapterError && error.code === "PORT_IN_USE") {
        throw new StartupError(
          `cannot start the embedded broker: ${host}:${port} is already in use (probably by another MQTT broker). ` +
            `Either point the aggregator at that broker with [mqtt] url = "mqtt://${host}:${port}", ` +
            "or give the embedded broker another port with [mqtt.embedded] port = ...",
        );
      }
      throw error;
    }
    brokerUrl = broker.url;
    log.info(
      { url: broker.url },
      "embedded MQTT broker started: devices can publish to it directly",
    );
  }

  let client: MqttClient | undefined;
  const metrics = new Metrics(() => {
    const roots = engine.roots();
    const view = roots.length > 0 ? engine.view(roots[0]!, clock()) : undefined;
    return {
      devices: view?.devices ?? { online: 0, stale: 0, offline: 0 },
      meters: engine.meterCount,
      brokerConnected: client?.isConnected === true,
      history: history?.statistics,
    };
  });
  if (history !== undefined) history.timeTask = metrics.loopTasks.time;
  const intake = new Intake(engine, placement, metrics.counts, log.child({ module: "intake" }), {
    maxDevices: config.limits.max_devices,
    maxPayloadBytes: config.limits.max_payload_bytes,
  });

  let changedSinceSave = false;
  /**
   * The state now; the history's credits are taken first, so both hold the same ones. For the
   * writer's thread (`toThread`) the history's paths it already has are left out.
   */
  const stateMeta = (journalSeq: number, toThread = false): StateMeta => {
    history?.absorb(clock());
    return {
      savedAtMs: clock(),
      company,
      journalSeq,
      ...(history === undefined
        ? {}
        : {
            history: toThread
              ? history.packedSnapshot(
                  stateWriter.historyPathsKnown,
                  stateWriter.takeHistoryBuffers(),
                )
              : history.packedSnapshot(),
          }),
    };
  };
  const stateDocument = (journalSeq: number): StateDocumentToWrite =>
    toStateDocument(stateMeta(journalSeq), engine.snapshot());
  const stateWriter = new StateWriter(
    config.state.path,
    undefined,
    writerOldGenerationMb(config.limits.max_devices),
    writerYoungGenerationMb(config.limits.max_devices),
  );
  stateWriter.timeTask = metrics.loopTasks.time;
  /** What a state names besides itself, fsync'ed before each one is written. */
  const stateSyncFirst = history === undefined ? [] : [history.spillPath];
  stateWriter.syncFirst = stateSyncFirst;
  /** Writes the state now, on this thread (at start and at the stop). */
  const writeStateNow = (journalSeq: number): void =>
    writeStateSync(config.state.path, stateDocument(journalSeq), stateSyncFirst);
  if (restored.foreign || !config.state.journal) {
    setAsideJournal(
      config.state.path,
      restored.journalSeq,
      clock(),
      log,
      restored.foreign
        ? "the state file belonged to another company: its journal files were set aside, not replayed"
        : "[state] journal = false: the journal files of an earlier run were set aside, not replayed",
    );
  }
  // Batches in the state file are on disk; those the journal replay adds are once it is written.
  history?.durable(
    restored.history?.ledger.nextSeq === undefined ? 0 : restored.history.ledger.nextSeq - 1,
  );
  const journal = config.state.journal
    ? recoverFromJournal(config.state.path, restored.journalSeq, intake, writeStateNow, log, () =>
        history?.durable(history.snapshotSeq),
      )
    : undefined;
  let journalFailing = false;
  /** A failed journal write: counted, logged once until a write works again. */
  const journalFailed = (error: unknown): void => {
    metrics.counts.journalWriteFailures++;
    if (!journalFailing) {
      journalFailing = true;
      log.error(
        { err: error, path: journal?.currentPath },
        "state journal write failed: until it works again, a crash before the next state write can lose readings (counted in coreflux_state_journal_write_failures_total)",
      );
    }
  };
  /**
   * The adapter's `beforeAcks`: writes the records of the messages handled since it last ran (a
   * turn of the event loop, or a write hold of `[mqtt] write_hold_ms`) with one write, before
   * their acknowledgements leave. Never throws: a failed write
   * is counted and logged, and aggregation goes on, as with one write per message before.
   */
  const flushJournal = (): void => {
    if (journal === undefined || journal.pendingBytesCount === 0) return;
    try {
      journal.flush();
    } catch (error) {
      journalFailed(error);
      return;
    }
    metrics.counts.journalBatches++;
    if (journalFailing) {
      journalFailing = false;
      log.info({ path: journal.currentPath }, "state journal writes work again");
    }
  };
  const handleMessage = (topic: string, payload: Uint8Array): void => {
    if (discovery !== undefined && topic === discovery.statusTopic) {
      discovery.onStatus(Buffer.from(payload).toString("utf8"));
      return;
    }
    const nowMs = clock();
    if (!intake.handleAt(topic, payload, nowMs) || journal === undefined) return;
    try {
      // To memory: flushJournal writes it before the PUBACK leaves (append itself past 1 MiB).
      journal.append(nowMs, topic, payload);
    } catch (error) {
      journalFailed(error);
    }
  };

  const discovery = config.homeassistant.discovery
    ? new DiscoveryOutput(
        engine,
        (topic, payload) => client?.publish(topic, payload, { qos: 1, retain: true }),
        {
          prefix: config.homeassistant.prefix,
          format: config.homeassistant.format,
          availabilityTopic: statusTopic,
          version: pkg.version,
        },
        log.child({ module: "homeassistant" }),
      )
    : undefined;
  if (discovery !== undefined) outputs.push(discovery);
  // With MQTT 5 the broker keeps our own aggregates from us (No Local); on 3.1.1 the intake
  // drops them by topic before parsing.
  const subscriptions = [
    ...placement.subscriptions(config.company.topics),
    ...(discovery === undefined ? [] : [discovery.statusTopic]),
  ].map((filter) => ({ filter, qos: config.mqtt.qos, noLocal: true }));
  client = createMqttClient({
    ...toClientOptions(config, urls ?? [brokerUrl], instance, statusTopic, subscriptions, log),
    beforeAcks: flushJournal,
  });
  client.onMessage(handleMessage);
  client.on("error", () => {
    // Logged by the adapter through our logger; the client keeps reconnecting.
  });
  client.on("subscribed", ({ filters, refused }) => log.info({ filters, refused }, "subscribed"));

  const publisher = new Publisher(
    engine,
    client,
    metrics.counts,
    log.child({ module: "publish" }),
    {
      retain: config.publish.retain,
      qos: config.publish.qos,
      nested: config.publish.nested,
      fullRefreshEvery: config.publish.full_refresh_every,
      queueCapacity: PUBLISH_QUEUE_MESSAGES,
      stopQueueCapacity: PUBLISH_QUEUE_STOP_MESSAGES,
      timeTask: metrics.loopTasks.time,
    },
    clock,
  );

  let lastPublishMs: number | undefined;
  let saving: Promise<void> | undefined;
  /** No state write starts before this (`performance.now()`, ms): see {@link nextStateWriteMs}. */
  let stateWriteRestUntilMs = 0;
  /** Moves the journal to a new file; the state taken now includes the old ones entirely. */
  const rotateJournal = (): number => {
    if (journal === undefined) return restored.journalSeq;
    // The records of the old file go to it first (a failure is counted like any journal write).
    flushJournal();
    try {
      return journal.rotate();
    } catch (error) {
      metrics.counts.journalWriteFailures++;
      log.error({ err: error }, "state journal: cannot start a new file; appending to the old one");
      return journal.lastSeq;
    }
  };

  const cycle = (): void => metrics.loopTasks.time("publish_cycle", publishCycleNow);
  const publishCycleNow = (): void => {
    const started = performance.now();
    const nowMs = clock();
    const publishCycle = takeCycle(engine, nowMs, placement);
    const report = publisher.cycle(publishCycle);
    for (const output of outputs) output.cycle(publishCycle);
    lastPublishMs = nowMs;
    const stats = client.stats();
    metrics.counts.publishDropped = stats.dropped + stats.failed;
    metrics.counts.publishRefused = stats.refused;
    metrics.counts.intakeYields = stats.intakeYields;
    metrics.cycleSeconds.observe((performance.now() - started) / 1000);
    const applied = intake.takeApplied();
    const discovered = intake.takeDiscoveries();
    intake.takeCounterEvents();
    changedSinceSave ||= applied > 0 || report.changed > 0 || history?.undurable === true;
    const rejected = Object.fromEntries(intake.takeRejections());
    const roots = engine.roots();
    const root = roots.length > 0 ? engine.view(roots[0]!, nowMs) : undefined;
    log.info(
      {
        applied,
        ...(discovered > 0 ? { discovered } : {}),
        changed: report.changed,
        published: report.published,
        waiting: report.waiting,
        full: report.full,
        ...(Object.keys(rejected).length > 0 ? { rejected } : {}),
        totalWh: root ? root.energyMwh / 1000 : 0,
        powerW: root?.powerW ?? 0,
        devices: root?.devices ?? { online: 0, stale: 0, offline: 0 },
      },
      "publish cycle",
    );
    // The rest after a long state write is skipped when history rows wait for a state.
    const rested = performance.now() >= stateWriteRestUntilMs || history?.needsState === true;
    if (changedSinceSave && saving === undefined && rested) {
      // In a turn of its own (the cycle's turn is long enough at 100,000 devices), after a
      // large history batch was cut ahead and the writer's thread made the capture's buffers
      // and the packed history's if they are outgrown: the capture, the journal's rotation and
      // the state's meta, together. The history is cut ahead once more after the room is made:
      // credits that came during that round trip are taken in slices too, not in the
      // capture's turn. Each step starts in a slice's turn of its own (see loop-share): not in
      // the turn of the thread's reply, nor right after a cut that found nothing to do, where
      // it would run back to back with another slice.
      saving = nextTurn()
        .then(cutHistoryAhead)
        .then(() => stateWriter.makeRoom(engine, history?.packNeeds()))
        .then(nextTurn)
        .then(cutHistoryAhead)
        .then(nextTurn)
        .then(saveState)
        .finally(() => {
          saving = undefined;
        });
    }
  };

  /**
   * A large history batch is cut before the capture's (which then cuts only what changed in
   * between), in {@link HistoryOutput.cutAhead}'s slices, a turn each, at most
   * {@link MAX_CUT_AHEAD_SLICES}; resolves in the turn after the last.
   */
  const cutHistoryAhead = async (): Promise<void> => {
    if (history === undefined) return;
    for (let slice = 0; slice < MAX_CUT_AHEAD_SLICES; slice++) {
      if (!metrics.loopTasks.time("history_cut", () => history.cutAhead(clock()))) return;
      await nextTurn();
    }
  };

  const saveState = (): Promise<void> => {
    changedSinceSave = false;
    const writeStarted = performance.now();
    const journalSeq = rotateJournal();
    let historySeq = 0;
    // The capture includes taking the history's credits and packing its state.
    const written = metrics.loopTasks.time("state_capture", () => {
      const meta = stateMeta(journalSeq, true);
      historySeq = history?.snapshotSeq ?? 0;
      return stateWriter.write(engine, meta);
    });
    return written.then(
      () => {
        const finished = performance.now();
        metrics.stateWriteSeconds.observe((finished - writeStarted) / 1000);
        stateWriteRestUntilMs = nextStateWriteMs(writeStarted, finished);
        removeJournalThrough(journal, journalSeq, log);
        history?.durable(historySeq);
      },
      (error: unknown) => {
        metrics.counts.stateWriteFailures++;
        changedSinceSave = true;
        log.error(
          { err: error, path: config.state.path },
          "state file write failed; retrying next cycle",
        );
      },
    );
  };

  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  if (config.http.port !== undefined) {
    const web = webContext(
      config,
      company,
      engine,
      history,
      () => client?.isConnected === true,
      clock,
      log,
    );
    outputs.push(new LiveOutput(web.events, web.nodes));
    http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      metrics,
      web,
      health: () => ({
        status: client?.isConnected ? "ok" : "degraded",
        brokerConnected: client?.isConnected === true,
        lastPublishUnixTimestamp:
          lastPublishMs === undefined ? null : Math.floor(lastPublishMs / 1000),
        devices: intake.deviceCount,
        meters: engine.meterCount,
        messagesReceived: metrics.counts.received,
        ownOutputReceived: metrics.counts.ignored.get("own-output") ?? 0,
      }),
    });
    log.info(
      { url: http.url, view: `${http.url}/`, token: config.http.token !== undefined },
      // The message stays what it was before the web view (log scrapers and tests match it).
      "HTTP listener: /healthz and /metrics",
    );
  }

  await client.connect({ wait: false });
  const filters = listed(subscriptions.map((s) => s.filter));
  log.info(
    {
      url: redactUrl(brokerUrl),
      ...(urls !== undefined && urls.length > 1 ? { failover: urls.map(redactUrl) } : {}),
      company,
      ...(instance === undefined
        ? {}
        : { instance, subtrees: config.company.roots.map((r) => r.join("/")) }),
      subscriptions: filters.items,
      ...(filters.notListed > 0 ? { subscriptionsNotListed: filters.notListed } : {}),
      intervalS: config.publish.interval_seconds,
      timeZone: engine.timeZone,
      statePath: config.state.path,
    },
    "aggregator started",
  );
  // The timer only queues the cycle: it runs as one of the service's slices (see loop-share), so
  // that a turn of the event loop never runs a cycle and another slice back to back.
  let queuedCycle: ScheduledSlice | undefined;
  const timer = setInterval(
    () => {
      queuedCycle ??= nextSlice(() => {
        queuedCycle = undefined;
        cycle();
      });
    },
    Math.round(config.publish.interval_seconds * 1000),
  );
  // The engine carries readings up the tree when something reads it; doing that for a few
  // thousand devices at a time every second keeps the publish cycle's read short.
  // The same timer makes the memory of the engine's next growth (and the history ledger's)
  // resident ahead, a slice a turn, so that a growing fleet's devices never wait while tens of
  // megabytes are faulted in at once.
  // Settling first, the history's credits within what is left of the turn's share, a growth
  // slice (the engine's first, then the history ledger's) only in a turn still nearly unused.
  const settleTurns = new SettleTurns({
    settle: () => engine.settle(SETTLE_DEVICES_PER_TURN) > 0,
    // The history takes the credits of the devices settled so far, a slice a turn (a state
    // capture then finds little left to take).
    credit: (budgetMs) => history?.takeCredits(budgetMs) === true,
    grow: () =>
      engine.prepareGrowth(GROWTH_BYTES_PER_TURN) ||
      history?.prepareGrowth(GROWTH_BYTES_PER_TURN) === true,
  });
  let settling = false;
  const settleSome = (): void => {
    if (stopping !== undefined) return;
    settling = metrics.loopTasks.time("settle", () => settleTurns.turn());
    if (settling) nextSlice(settleSome);
  };
  // One chain of turns at a time: the timer does not start a second beside a running one. It
  // queues the chain's first turn as a slice, like the turns after it.
  const settleTimer = setInterval(() => {
    if (settling) return;
    settling = true;
    nextSlice(settleSome);
  }, SETTLE_EVERY_MS);

  let stopping: Promise<void> | undefined;
  let finalStateWritten = false;
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    clearInterval(settleTimer);
    queuedCycle?.cancel();
    intake.running = false;
    cycle();
    // The rest of the last cycle's slices, queued before the client closes.
    publisher.finish(clock());
    history?.finish();
    await saving;
    await stateWriter.close();
    // What the final state includes is also in the journal, should that write fail.
    flushJournal();
    try {
      writeStateNow(journal?.lastSeq ?? restored.journalSeq);
      finalStateWritten = true;
      history?.durable(history.snapshotSeq);
      log.info({ path: config.state.path }, "final state written");
      try {
        journal?.closeAndRemove();
      } catch (error) {
        log.warn(
          { err: error },
          "state journal files could not be removed (harmless: the state includes them)",
        );
      }
    } catch (error) {
      log.error(
        { err: error, path: config.state.path },
        "final state write failed; the state journal keeps what it would have held",
      );
    }
    for (const output of outputs) await output.close();
    await client.close();
    await http?.close();
    await broker?.close();
    log.info("aggregator stopped");
  };

  return {
    brokerUrl,
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
      const stats = client.stats();
      return stats.queued + stats.inFlight;
    },
  };
}

/** The web view's files (built into `dist/web`), its API and its event stream. */
function webContext(
  config: AggregatorConfig,
  company: string,
  engine: EnergyEngine,
  history: HistoryOutput | undefined,
  brokerConnected: () => boolean,
  clock: () => number,
  log: Logger,
): WebContext {
  const dir = fileURLToPath(new URL("./web/", import.meta.url));
  const files = loadStaticFiles(dir);
  if (files.size === 0) {
    log.warn({ dir }, "the web view is not built (pnpm build): / serves nothing, the API works");
  }
  const nodes = () =>
    apiNodes(engine, clock(), {
      company,
      brokerConnected: brokerConnected(),
      history: history !== undefined,
    });
  return {
    token: config.http.token,
    files,
    nodes,
    events: new EventStream(),
    history:
      history === undefined
        ? undefined
        : (query) => {
            const store = history.openStore;
            if (store === undefined) {
              throw new HistoryError(
                "CONNECT_FAILED",
                "the history database has not been reachable yet",
              );
            }
            return apiHistory(store, query);
          },
  };
}

function toEngineOptions(config: AggregatorConfig): EngineOptions {
  const overrides = config.accounting.overrides.map((o) => ({
    match: o.match.split("/").filter(Boolean),
    maxPowerW: o.max_power_w,
  }));
  const everyMeterW = config.accounting.max_power_w;
  return {
    timeZone: config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    ...(config.history === undefined ? {} : { creditSlotMinutes: config.history.period_minutes }),
    staleAfterMs: config.accounting.stale_after_seconds * 1000,
    maxMeters: config.limits.max_devices * 16,
    // Explicit limits win over the models' ratings: the most specific [[accounting.overrides]]
    // entry, else [accounting] max_power_w; neither leaves the rating (or 60 kW) in force.
    maxPowerWFor:
      overrides.length === 0 && everyMeterW === undefined
        ? undefined
        : (path) => {
            // path is [company, office, room, device]; the most specific override wins.
            let best: { length: number; maxPowerW: number } | undefined;
            for (const o of overrides) {
              if (
                o.match.every((segment, i) => path[i + 1] === segment) &&
                (!best || o.match.length > best.length)
              ) {
                best = { length: o.match.length, maxPowerW: o.maxPowerW };
              }
            }
            return best?.maxPowerW ?? everyMeterW;
          },
  };
}

/** Deletes the journal files a state file on disk now includes; a failure only costs disk space. */
function removeJournalThrough(journal: StateJournal | undefined, seq: number, log: Logger): void {
  journal?.removeThrough(seq).catch((error: unknown) => {
    log.warn({ err: error }, "state journal: an old file could not be removed");
  });
}

/**
 * Applies the journaled messages the state file does not include yet (a crash came between two
 * state writes), writes a state that includes them, and opens a new journal. Damaged records
 * are reported loudly; a journal file that cannot be read stops the start (StartupError); a
 * journal that cannot be created is reported and the service runs without one.
 */
function recoverFromJournal(
  statePath: string,
  stateSeq: number,
  intake: Intake,
  writeStateNow: (journalSeq: number) => void,
  log: Logger,
  afterStateWrite: () => void,
): StateJournal | undefined {
  let found: JournalContents;
  let applied = 0;
  try {
    found = readJournal(statePath, stateSeq, (record) => {
      if (intake.handleAt(record.topic, record.payload, record.tsMs)) applied++;
    });
  } catch (error) {
    // Like an unreadable state file: starting without what it holds could count some of it twice
    // later (once replayed in part now, once in full when it is readable again).
    throw new StartupError(
      `cannot read the state journal next to ${statePath} (${(error as Error).message}): fix its permissions; the aggregator does not start without applying it`,
    );
  }
  for (const damage of found.damage) {
    log.error(
      damage,
      "STATE JOURNAL DAMAGED: records from this offset on are not replayed (an incomplete last record is normal after a crash: the broker delivers that message again)",
    );
  }
  if (found.records > 0) {
    intake.takeApplied();
    log.info(
      { records: found.records, applied, skipped: found.skipped, files: found.files.length },
      "state journal replayed: the readings applied after the last state write are back",
    );
  }
  const lastSeq = Math.max(stateSeq, found.lastSeq);
  if (found.files.length > 0) {
    try {
      // A state that includes the old files, so they can go.
      writeStateNow(lastSeq);
      afterStateWrite();
      for (const file of found.files) rmSync(file, { force: true });
    } catch (error) {
      // They stay, and go after the first state write that works.
      log.error(
        { err: error, path: statePath },
        "state file write after the journal replay failed",
      );
    }
  }
  try {
    return new StateJournal(statePath, lastSeq);
  } catch (error) {
    log.error(
      { err: error, path: statePath },
      "cannot create the state journal: running without it (a crash between state writes can lose readings)",
    );
    return undefined;
  }
}

/**
 * Renames journal files left by an earlier run aside (to `<file>.unused-<time>`) and reports
 * them with `why`: with `[state] journal = false` (they cannot be replayed later, the states this
 * run writes already move past them), or next to another company's state file.
 */
function setAsideJournal(
  statePath: string,
  stateSeq: number,
  nowMs: number,
  log: Logger,
  why: string,
): void {
  try {
    const found = readJournal(statePath, stateSeq);
    if (found.files.length === 0) return;
    const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, "-");
    const movedTo = found.files.map((file) => {
      renameSync(file, `${file}.unused-${stamp}`);
      return `${file}.unused-${stamp}`;
    });
    log.warn({ movedTo, recordsNotInState: found.records }, why);
  } catch (error) {
    log.warn({ err: error }, `old journal files could not be set aside (${why})`);
  }
}

/** The engine from the state file (or a new one), and the last journal record the file includes. */
function restoreEngine(
  path: string,
  company: string,
  options: EngineOptions,
  log: Logger,
  nowMs: number,
): {
  engine: EnergyEngine;
  journalSeq: number;
  foreign: boolean;
  history: HistoryState | undefined;
} {
  const fresh = (foreign = false) => ({
    engine: new EnergyEngine(options),
    journalSeq: 0,
    foreign,
    history: undefined,
  });
  const loaded = readState(path, nowMs);
  if (loaded.kind === "none") {
    log.info({ path }, "no state file yet: starting with empty totals");
    return fresh();
  }
  if (loaded.kind === "corrupt") {
    log.error(
      { path, movedTo: loaded.movedTo, reason: loaded.reason },
      "STATE FILE UNUSABLE: moved aside and starting with empty totals; restore it by hand if it can be repaired",
    );
    return fresh();
  }
  if (loaded.state.company !== company) {
    const movedTo = moveAside(path, nowMs);
    log.error(
      { path, movedTo, stateCompany: loaded.state.company, company },
      "STATE FILE BELONGS TO ANOTHER COMPANY: moved aside and starting with empty totals",
    );
    return fresh(true);
  }
  const restored = EnergyEngine.restore(loaded.state.engine, options);
  if (!restored.ok) {
    const movedTo = moveAside(path, nowMs);
    log.error(
      { path, movedTo, code: restored.error.code, reason: restored.error.message },
      "STATE FILE UNUSABLE: moved aside and starting with empty totals; restore it by hand if it can be repaired",
    );
    return fresh();
  }
  for (const warning of restored.warnings) log.warn({ path }, warning);
  log.info(
    {
      path,
      meters: restored.engine.meterCount,
      savedAt: new Date(loaded.state.savedAtMs).toISOString(),
    },
    "state restored: totals continue, and the next reading of each meter credits the gap",
  );
  return {
    engine: restored.engine,
    journalSeq: loaded.state.journalSeq ?? 0,
    foreign: false,
    history: loaded.state.history,
  };
}

/**
 * The cycle's changes; for a partition without the levels above its subtree roots (found by
 * path: they exist once a device below them was seen), which no output publishes.
 */
function takeCycle(engine: EnergyEngine, nowMs: number, placement: Placement): PublishCycle {
  const changed = engine.takeChanges(nowMs);
  if (placement.roots.every((root) => root.length === 1)) return { nowMs, changed, engine };
  const hidden = new Set<NodeId>();
  for (const root of placement.roots) {
    for (let depth = 1; depth < root.length; depth++) {
      const id = engine.findNode(root.slice(0, depth));
      if (id !== undefined) hidden.add(id);
    }
  }
  return { nowMs, changed: changed.filter((id) => !hidden.has(id)), engine, hidden };
}

/**
 * Resolves in a later turn of the event loop, after the I/O that waits, as one of the service's
 * slices (see `loop-share`).
 */
function nextTurn(): Promise<void> {
  return nextSliceTurn();
}

/** How often the engine's queued reading effects are carried up the tree, ms. */
const SETTLE_EVERY_MS = 1000;
/**
 * Turns of history work ahead of one state capture at most (each takes credits for up to 8 ms
 * or cuts up to 10,000 rows); should changes keep coming faster than that, the capture takes
 * and cuts the rest.
 */
const MAX_CUT_AHEAD_SLICES = 256;
/** Devices settled per turn of the event loop (about 1-2 ms of work). */
const SETTLE_DEVICES_PER_TURN = 5000;
/**
 * Bytes of the engine's next growth made resident per turn (a few ms where a page fault costs
 * about 3.5 ms per MB, as on the virtual machines measured, or up to 11 ms for 1 MB in a busy
 * hour of the 100,000-device benchmark; far less on most hosts).
 */
const GROWTH_BYTES_PER_TURN = 1 << 19;

/** The default client id of a partition: its own, so instances never take each other's session. */
const DEFAULT_CLIENT_ID = "coreflux-aggregator";

function toClientOptions(
  config: AggregatorConfig,
  urls: string[],
  instance: string | undefined,
  statusTopic: string,
  subscriptions: { filter: string; qos: 0 | 1; noLocal: boolean }[],
  log: Logger,
): MqttClientOptions {
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
  return {
    ...(urls.length === 1 ? { url: urls[0]! } : { urls }),
    clientId:
      instance !== undefined && m.client_id === DEFAULT_CLIENT_ID
        ? `${DEFAULT_CLIENT_ID}-${instance}`
        : m.client_id,
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
    publishQueue: {
      maxMessages: PUBLISH_QUEUE_STOP_MESSAGES,
      maxBytes: 64 * 1024 * 1024,
      maxInFlight: 100,
    },
    writeHoldMs: m.write_hold_ms,
    logger: log.child({ module: "mqtt" }),
  };
}
