import { z } from "zod";
import { accountingTable } from "./accounting";
import { automatismTable } from "./automatism";
import type { automatismRule } from "./automatism-rule";
import { companyTable } from "./company";
import { devicesTable } from "./devices";
import { historyTable } from "./history";
import { homeassistantTable } from "./homeassistant";
import { httpTable } from "./http";
import { limitsTable } from "./limits";
import { logTable } from "./log";
import { mqttTable } from "./mqtt";
import { publishTable } from "./publish";
import { rollupTable } from "./rollup";
import { stateTable } from "./state";

/**
 * The whole system's `config.toml`: every table of every service, so one file configures the
 * aggregator and the automatism and each accepts the other's tables, while an unknown key
 * anywhere is still an error. Every key but `[company] topic` is optional.
 */
export const systemConfigSchema = z.strictObject({
  company: companyTable,
  mqtt: mqttTable,
  publish: publishTable,
  state: stateTable,
  accounting: accountingTable,
  devices: devicesTable,
  limits: limitsTable,
  http: httpTable,
  /** Energy history per node and period. Absent: no history. */
  history: historyTable,
  log: logTable,
  automatism: automatismTable,
  /** Home Assistant MQTT discovery. */
  homeassistant: homeassistantTable,
  rollup: rollupTable,
});

/** The validated configuration, with defaults applied. */
export type SystemConfig = z.output<typeof systemConfigSchema>;

/** The validated `[automatism]` table. */
export type AutomatismConfig = SystemConfig["automatism"];

/** One validated `[[automatism.rules]]` entry, defaults applied. */
export type AutomatismRule = z.output<typeof automatismRule>;
