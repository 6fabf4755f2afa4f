import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * A broker (or a set of brokers) one test runs a scenario against, whatever it is made of: a
 * private Mosquitto, two bridged ones, a NATS node or cluster. The scenario only needs where the
 * devices publish, where the service under test connects, and a way to restart it.
 */
export interface TestBroker {
  /** Short label for test names and logs: `mosquitto`, `nats-cluster-3`, ... */
  readonly name: string;
  /** URL the devices (the simulator) publish to. */
  readonly deviceUrl: string;
  /** URL the service under test (and an observer of its output) connects to. */
  readonly serviceUrl: string;
  /**
   * Every URL of the broker, for a service that fails over between them (`[mqtt] urls`): one
   * per node of a cluster, else `[serviceUrl]`.
   */
  readonly serviceUrls: readonly string[];
  /**
   * True when `restart()` drops the service's own connection (it restarts the broker at
   * `serviceUrl`); false when it restarts another one (the devices' side of a bridge).
   */
  readonly restartDropsService: boolean;
  /**
   * A clean restart: SIGTERM, wait for the exit, start again on the same ports with the same
   * store, and resolve once it accepts MQTT connections (and, for NATS, JetStream is healthy).
   */
  restart(): Promise<void>;
  /** Stops every process and removes its folders. Idempotent. */
  stop(): Promise<void>;
  /** Every process's log so far, for failure messages and for the README's observations. */
  log(): string;
}

/**
 * The path of `name` when it can run here: `$<envVariable>`, else each of `candidates` (Debian
 * installs brokers in /usr/sbin, which is not on every PATH), else the first match on `PATH`.
 * Undefined when none exists: a test then skips with a message naming what is missing.
 */
export function findBinary(
  name: string,
  envVariable: string,
  candidates: readonly string[] = [`/usr/sbin/${name}`],
): string | undefined {
  const fromEnv = process.env[envVariable];
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  for (const path of candidates) if (existsSync(path)) return path;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
