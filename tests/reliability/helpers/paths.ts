import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The built aggregator CLI (the suite runs after `build`). */
export const CLI = join(
  dirname(require.resolve("@coreflux/aggregator/package.json")),
  "dist/cli.js",
);

/** The Mosquitto every CI run starts on 127.0.0.1:1883 (tests that do not stop a broker use it). */
export const SHARED_BROKER_URL = process.env.MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** `mosquitto_passwd`, to write password files. */
export const MOSQUITTO_PASSWD_BIN = process.env.MOSQUITTO_PASSWD_BIN ?? "mosquitto_passwd";

/** A company name no other run uses, so retained messages and sessions never collide. */
export function uniqueCompany(label: string): string {
  return `Rel${label}${randomBytes(4).toString("hex")}`;
}

/** A fresh temporary folder. */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `coreflux-rel-${label}-`));
}
