import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, sleep } from "./net";

/** The MariaDB server binary: `$MARIADBD_BIN`, else Debian's /usr/sbin, else PATH. */
export const MARIADBD_BIN =
  process.env.MARIADBD_BIN ??
  (existsSync("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd");

/** A MariaDB server of one test: its own port and data directory; root without a password. */
export interface PrivateMariadb {
  readonly port: number;
  /** `mariadb://root@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  /** Runs SQL as root through the `mariadb` client. */
  sql(statement: string): string;
  /** Sends `signal` (SIGKILL: a crash; SIGTERM: a clean shutdown) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

/**
 * Creates a data directory (`mariadb-install-db`, about 2 s) and starts a private `mariadbd`
 * on a free port of 127.0.0.1, small (32 MB buffer pool). Never touches the shared server.
 */
export async function startMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), "coreflux-mariadb-"));
  const dataDir = join(dir, "data");
  execFileSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${dataDir}`,
      "--user=root",
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ],
    { stdio: "ignore" },
  );
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      MARIADBD_BIN,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--socket=${join(dir, "mariadb.sock")}`,
        `--pid-file=${join(dir, "mariadb.pid")}`,
        `--log-error=${join(dir, "error.log")}`,
        "--user=root",
        "--skip-name-resolve",
        "--innodb-buffer-pool-size=32M",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 300; i++) {
      if (await canConnect(port)) return;
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    const log = existsSync(join(dir, "error.log"))
      ? readFileSync(join(dir, "error.log"), "utf8")
      : "";
    throw new Error(`private mariadbd did not start on ${port}:\n${log.slice(-2000)}`);
  };
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };
  await start();
  return {
    port,
    url: (database) => `mariadb://root@127.0.0.1:${port}/${database}`,
    sql: (statement) =>
      execFileSync(
        "mariadb",
        ["-h", "127.0.0.1", "-P", String(port), "-u", "root", "-N", "-e", statement],
        {
          encoding: "utf8",
        },
      ),
    kill,
    restart: start,
    stop: async () => {
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
