import { z } from "zod";
import { automatismRules } from "./automatism-rule";

/** `[automatism]`: the after-hours switch-off service. Off unless `enabled = true`. */
export const automatismTable = z
  .strictObject({
    /** Without `enabled = true` the service starts, reports that it is disabled, sends nothing. */
    enabled: z.boolean().default(false),
    /** The automatism's own MQTT client id (the aggregator uses `[mqtt] client_id`). */
    client_id: z.string().min(1).max(128).default("coreflux-automatism"),
    /**
     * Port of the automatism's /healthz and /metrics on `[http] host` (the aggregator uses
     * `[http] port`); absent: no listener. 0 picks a free port.
     */
    http_port: z.number().int().min(0).max(65_535).optional(),
    /** "simple": `off` on `<prefix>/command/switch:<n>`; "rpc": `Switch.Set` on `<prefix>/rpc`. */
    command: z.enum(["simple", "rpc"], { error: 'must be "simple" or "rpc"' }).default("simple"),
    /** A command is confirmed when the status shows the channel off within this, s. */
    confirm_timeout_seconds: z.number().positive().default(30),
    /** Wait before the first retry, s; doubles with each further retry. */
    retry_backoff_seconds: z.number().positive().default(5),
    /** Commands per channel and window in all, the first included; then one `failed` event. */
    max_attempts: z.number().int().min(1).default(3),
    /** Commands sent per second at most, so a window start over a large fleet is spread out. */
    max_commands_per_second: z.number().positive().default(50),
    /** How long a person's override lasts, minutes. Absent: until the window ends. */
    override_minutes: z.number().positive().optional(),
    /** Attempts, confirmations and overrides, kept across restarts (written atomically, 0600). */
    state_path: z.string().min(1).default("./coreflux-automatism-state.json"),
    /** Also write each rule into every matched Gen2+ device's own schedule (RPC). */
    mirror_on_device: z.boolean().default(false),
    /** Every rule decides and reports, none sends (a rule's own `dry_run` does it for one rule). */
    dry_run: z.boolean().default(false),
    /** No rules with `enabled = true`: every device, "20:30-08:30", every day (the original). */
    rules: automatismRules,
  })
  .prefault({});
