// Validates two config.toml texts against the system's schema and prints what it finds.
// Run: node examples/check.mjs (after `pnpm build`, or with the package installed).
import {
  formatProblem,
  MQTT_ENV_OVERRIDES,
  parseTimeWindow,
  parseTomlConfig,
  systemConfigSchema,
} from "@coreflux/config";

const good = `
[company]
topic = "Coreflux/#"

[automatism]
enabled = true

[[automatism.rules]]
name = "after-hours"
match = ["Porto/**"]
except = ["*/Kitchen/Fridge"]
windows = ["20:30-08:30"]
`;

const ok = parseTomlConfig(good, "config.toml", systemConfigSchema, {
  env: { COREFLUX_MQTT_URL: "mqtt://broker:1883" }, // usually process.env
  overrides: MQTT_ENV_OVERRIDES,
});
if (!ok.ok) throw new Error("the good file should be valid");
const [rule] = ok.config.automatism.rules;
console.log(`valid: broker ${ok.config.mqtt.url}, rule "${rule.name}" on ${rule.days.join(",")}`);
console.log(`window ${rule.windows[0]} =`, parseTimeWindow(rule.windows[0]));
for (const warning of ok.warnings) console.log(`note: ${warning}`);

const typo = `
[company]
topic = "Coreflux/#"

[[automatism.rules]]
name = "after-hours"
windows = ["20:30-08:30"]
dayz = ["mon"]
`;

const bad = parseTomlConfig(typo, "config.toml", systemConfigSchema);
if (bad.ok) throw new Error("the typo should be found");
for (const problem of bad.errors) console.log(formatProblem(problem));
// config.toml:8: automatism.rules[0].dayz: unknown key
