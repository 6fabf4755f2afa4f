import { createFleet } from "../core/fleet";
import { formatPlacementsToml } from "../core/placements";
import { ShellySimulatorError } from "../errors";
import { DEFAULT_URL, fleetOptionsOf } from "../io/run-options";
import { runSimulator } from "../io/run-simulator";
import { writeFileAtomic } from "../io/write-file-atomic";
import { parseCliArgs } from "./parse-args";
import { USAGE } from "./usage";

/** Where the CLI writes and what it may read from its host (injected, so it runs in tests). */
export interface CliHost {
  out(line: string): void;
  err(line: string): void;
  /** Wall clock, Unix ms (the default `--start`). */
  nowMs(): number;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
  version: string;
}

/** Runs `shelly-sim` with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], host: CliHost): Promise<number> {
  const parsed = parseCliArgs(argv, host.nowMs());
  if (!parsed.ok) {
    for (const error of parsed.errors) host.err(`shelly-sim: ${error}`);
    host.err("Run 'shelly-sim --help' for usage.");
    return 2;
  }
  const command = parsed.command;
  if (command.kind === "help") {
    host.out(USAGE);
    return 0;
  }
  if (command.kind === "version") {
    host.out(host.version);
    return 0;
  }
  const options = command.options;
  try {
    if (command.placementsOnly) {
      const fleet = createFleet(fleetOptionsOf(options));
      const toml = formatPlacementsToml(
        fleet.placements(),
        `Placement rules of shelly-sim (seed ${fleet.options.seed}, company ${fleet.options.company}).`,
      );
      if (options.placementsFile === undefined) host.out(toml);
      else {
        await writeFileAtomic(options.placementsFile, toml);
        host.out(
          `shelly-sim: ${fleet.placements().length} placement rules written to ${options.placementsFile}`,
        );
      }
      return 0;
    }
    const devices =
      (options.offices ?? 2) * (options.roomsPerOffice ?? 3) * (options.devicesPerRoom ?? 4);
    const pace = options.flood === true ? "flood" : `speed ${options.speed ?? 1}x`;
    host.out(
      `shelly-sim: ${devices} devices, seed ${options.seed ?? 1}, start ${new Date(options.startMs ?? 0).toISOString()}, ${pace}, qos ${options.qos ?? 1} -> ${options.url ?? DEFAULT_URL}`,
    );
    const result = await runSimulator({
      ...options,
      signal: host.signal,
      onProgress: command.quiet
        ? undefined
        : (p) =>
            host.out(
              `shelly-sim: ${p.messages} messages, ${Math.round(p.messagesPerSecond)} msg/s, ${formatDuration(p.simulatedMs)} simulated`,
            ),
    });
    const t = result.truth;
    host.out(
      `shelly-sim: done (${result.stopReason}): ${result.messages} messages in ${(result.wallMs / 1000).toFixed(1)} s (${Math.round(result.messagesPerSecond)} msg/s), ${formatDuration(result.simulatedMs)} simulated; truth ${t.company} ${t.energyMwh} mWh, returned ${t.returnedEnergyMwh} mWh`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ShellySimulatorError) {
      host.err(`shelly-sim: ${error.message}`);
      return error.code === "INVALID_OPTIONS" ? 2 : 1;
    }
    throw error;
  }
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h${String(m).padStart(2, "0")}m${String(s % 60).padStart(2, "0")}s`;
}
