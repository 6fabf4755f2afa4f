import { parseHistoryUrl } from "@coreflux/history";
import { z } from "zod";

/** True for text usable inside an MQTT topic: no wildcards, no NUL. */
const topicSafe = (text: string) => !/[#+]/.test(text) && !text.includes(String.fromCharCode(0));

/** MQTT topic filter of the company: exactly `<Company>/#`, as in the original service. */
const companyTopic = z
  .string()
  .refine(
    (t) => /^[^/]+\/#$/.test(t) && topicSafe(t.slice(0, -2)),
    'must be "<Company>/#", e.g. "Coreflux/#"',
  );

const segment = z
  .string()
  .min(1)
  .refine((s) => !s.includes("/") && topicSafe(s), "must not contain / # + or NUL");

const devicePlacement = z.strictObject({
  /** A device's topic prefix (`shellies/shellyplug-s-7AD4B1`) or its Shelly id. */
  match: z
    .string()
    .min(1)
    .refine(topicSafe, "must be a topic prefix or a Shelly id, without wildcards"),
  /** Where the device sits: "Office/Room/Device". */
  path: z
    .string()
    .refine(
      (p) => p.split("/").length === 3 && p.split("/").every((s) => segment.safeParse(s).success),
      {
        message: 'must be "Office/Room/Device" (three non-empty segments)',
      },
    ),
});

const powerOverride = z.strictObject({
  /** "Office/Room/Device", or a prefix of it ("Office/Room") applying to every device below. */
  match: z.string().min(1),
  /** Highest plausible power of each meter of the matched devices, W. */
  max_power_w: z.number().positive(),
});

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "unknown IANA time zone" },
);

const port = z.number().int().min(0).max(65_535);

/** The aggregator's configuration file (`config.toml`). Every key but `[company] topic` is optional. */
export const configSchema = z.strictObject({
  company: z.strictObject({ topic: companyTopic }),
  mqtt: z
    .strictObject({
      /** Broker URL (mqtt://, mqtts://, ws://, wss://). Absent: start the embedded broker. */
      url: z
        .string()
        .regex(/^(mqtts?|wss?):\/\/./, "must start with mqtt://, mqtts://, ws:// or wss://")
        .optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      client_id: z.string().min(1).max(128).default("coreflux-aggregator"),
      /** QoS of the subscriptions. 1 (at least once) lets the broker queue messages while we are away. */
      qos: z.union([z.literal(0), z.literal(1)]).default(1),
      protocol_version: z.union([z.literal(4), z.literal(5)]).default(4),
      keepalive_seconds: z.number().int().min(0).max(65_535).default(30),
      /** Keep the broker session (and its queue) across reconnects and restarts. */
      clean_session: z.boolean().default(false),
      /** MQTT 5 only: how long the broker keeps the session while we are away. */
      session_expiry_seconds: z.number().int().min(0).max(4_294_967_295).default(86_400),
      ca_file: z.string().min(1).optional(),
      cert_file: z.string().min(1).optional(),
      key_file: z.string().min(1).optional(),
      reject_unauthorized: z.boolean().default(true),
      embedded: z
        .strictObject({
          host: z.string().min(1).default("127.0.0.1"),
          port: port.default(1883),
        })
        .prefault({}),
    })
    .prefault({}),
  publish: z
    .strictObject({
      interval_seconds: z.number().min(0.1).max(86_400).default(10),
      retain: z.boolean().default(true),
      qos: z.union([z.literal(0), z.literal(1)]).default(1),
      /** Include children (Devices, Rooms, Offices) as arrays; turn off for large fleets. */
      nested: z.boolean().default(true),
      /** Republish every node every N cycles, changed or not. */
      full_refresh_every: z.number().int().min(1).default(30),
    })
    .prefault({}),
  state: z
    .strictObject({
      path: z.string().min(1).default("./coreflux-state.json"),
      journal: z.boolean().default(true),
    })
    .prefault({}),
  accounting: z
    .strictObject({
      time_zone: timeZone.optional(),
      stale_after_seconds: z.number().positive().default(600),
      /**
       * Explicit limit of every meter, W: overrides the ratings of the Shelly models. Absent: each
       * meter's limit is its model's rating, or 60,000 W when the model is unknown.
       */
      max_power_w: z.number().positive().optional(),
      overrides: z.array(powerOverride).default([]),
    })
    .prefault({}),
  devices: z.array(devicePlacement).default([]),
  limits: z
    .strictObject({
      /** Devices tracked at most; further devices are refused with one warning. */
      max_devices: z.number().int().min(1).max(1_000_000).default(20_000),
      /** Larger payloads are rejected before parsing. */
      max_payload_bytes: z
        .number()
        .int()
        .min(64)
        .max(16 * 1024 * 1024)
        .default(65_536),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      /** Port of /healthz and /metrics; absent: no HTTP listener. 0 picks a free port. */
      port: port.optional(),
    })
    .prefault({}),
  /** Energy history per node and period. Absent: no history. */
  history: z
    .strictObject({
      /** `sqlite:<file>` (embedded, the default) or `mariadb://user@host:3306/database`. */
      url: z
        .string()
        .refine(
          (url) => {
            try {
              parseHistoryUrl(url);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'must be "sqlite:<file>" or "mariadb://user@host:3306/database"' },
        )
        .default("sqlite:./coreflux-history.db"),
      /** MariaDB password; better from COREFLUX_HISTORY_PASSWORD than in the file. */
      password: z.string().optional(),
      /** Width of the period rows, minutes; fixed when the database is created. */
      period_minutes: z
        .union([z.literal(1), z.literal(5), z.literal(15), z.literal(60)])
        .default(15),
      /** Period rows older than this are deleted (hourly and coarser rows are kept). */
      keep_fine_days: z.number().int().min(1).max(36_500).default(35),
      /** Rows waiting for the database kept in memory; more go to a spill file next to the state. */
      max_memory_rows: z.number().int().min(1).default(200_000),
    })
    .optional(),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      /** "auto": pretty on a terminal, JSON otherwise. */
      format: z.enum(["auto", "json", "pretty"]).default("auto"),
    })
    .prefault({}),
});

/** The validated configuration, with defaults applied. */
export type AggregatorConfig = z.output<typeof configSchema>;
