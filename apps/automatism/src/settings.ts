import type { AutomationOptions, AutomationRule } from "@coreflux/automation";
import type { SystemConfig } from "@coreflux/config";

/** The original service's rule: every device, 20:30-08:30, every day. */
export const ORIGINAL_RULE = { name: "after-hours", windows: ["20:30-08:30"] } as const;

/** The engine's options from `[automatism]` (the original's rule when there are none). */
export function automationOptions(config: SystemConfig): AutomationOptions {
  const a = config.automatism;
  const zone = config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const rules: AutomationRule[] =
    a.rules.length === 0
      ? [{ ...ORIGINAL_RULE, timeZone: zone, dryRun: a.dry_run }]
      : a.rules.map((r) => ({
          name: r.name,
          match: r.match,
          except: r.except,
          windows: r.windows,
          days: r.days,
          timeZone: r.time_zone ?? zone,
          dryRun: r.dry_run || a.dry_run,
        }));
  return {
    rules,
    confirmTimeoutMs: a.confirm_timeout_seconds * 1000,
    retryBackoffMs: a.retry_backoff_seconds * 1000,
    maxAttempts: a.max_attempts,
    maxCommandsPerSecond: a.max_commands_per_second,
    ...(a.override_minutes === undefined ? {} : { overrideMs: a.override_minutes * 60_000 }),
    commandSource: "MQTT",
  };
}
