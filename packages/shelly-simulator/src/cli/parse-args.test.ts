import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./parse-args";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0, 789);

describe("parseCliArgs", () => {
  it("maps every option", () => {
    const result = parseCliArgs(
      [
        "--url",
        "mqtt://broker:1884",
        "--company",
        "Acme",
        "--offices",
        "3",
        "--rooms",
        "4",
        "--devices",
        "5",
        "--models",
        "plus-plug-s=2,gen1-em",
        "--layout",
        "ids",
        "--flood",
        "--duration",
        "3600",
        "--max-messages",
        "1000",
        "--seed",
        "9",
        "--qos",
        "0",
        "--faults",
        "reset=0.01,zero=0.02",
        "--truth-file",
        "t.json",
        "--truth-topic",
        "Acme/simulator/truth",
        "--placements-file",
        "p.toml",
        "--timezone",
        "Europe/Lisbon",
        "--start",
        "2026-06-01T08:00:00Z",
      ],
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      command: {
        kind: "run",
        placementsOnly: false,
        quiet: false,
        options: {
          url: "mqtt://broker:1884",
          company: "Acme",
          offices: 3,
          roomsPerOffice: 4,
          devicesPerRoom: 5,
          models: { "plus-plug-s": 2, "gen1-em": 1 },
          layout: "ids",
          flood: true,
          durationS: 3600,
          maxMessages: 1000,
          seed: 9,
          qos: 0,
          faults: { reset: 0.01, zero: 0.02 },
          truthFile: "t.json",
          truthTopic: "Acme/simulator/truth",
          placementsFile: "p.toml",
          timeZone: "Europe/Lisbon",
          startMs: Date.UTC(2026, 5, 1, 8),
          speed: undefined,
        },
      },
    });
  });

  it("starts now (whole seconds) by default", () => {
    const result = parseCliArgs([], NOW);
    expect(result.ok && result.command.kind === "run" && result.command.options.startMs).toBe(
      NOW - 789,
    );
  });

  it("help and version win", () => {
    expect(parseCliArgs(["--offices", "x", "--help"], NOW)).toEqual({
      ok: true,
      command: { kind: "help" },
    });
    expect(parseCliArgs(["-v"], NOW)).toEqual({ ok: true, command: { kind: "version" } });
  });

  it("reports every bad option, named as on the command line", () => {
    const result = parseCliArgs(
      [
        "--offices",
        "0",
        "--rooms",
        "two",
        "--layout",
        "tree",
        "--qos",
        "2",
        "--speed=-1",
        "--faults",
        "boom=1",
        "--timezone",
        "Mars/Base",
        "--start",
        "someday",
      ],
      NOW,
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        '--rooms must be a whole number, got "two"',
        '--speed must be a number > 0, got "-1"',
        '--layout must be hierarchy or ids, got "tree"',
        '--qos must be 0 or 1, got "2"',
        expect.stringContaining('--faults: unknown fault "boom"'),
        '--start must be an ISO 8601 time or Unix ms, got "someday"',
        "--offices must be an integer from 1 to 10000, got 0",
        '--timezone: unknown IANA time zone "Mars/Base"',
      ],
    });
  });

  it("rejects unknown options, positionals and flood without a limit", () => {
    expect(parseCliArgs(["--fast"], NOW)).toMatchObject({
      ok: false,
      errors: [expect.stringContaining("--fast")],
    });
    expect(parseCliArgs(["run"], NOW)).toMatchObject({ ok: false });
    expect(parseCliArgs(["--flood"], NOW)).toEqual({
      ok: false,
      errors: ["--flood needs --duration or --max-messages (it would never stop)"],
    });
    expect(parseCliArgs(["--flood", "--speed", "2", "--duration", "5"], NOW)).toEqual({
      ok: false,
      errors: ["--speed and --flood exclude each other"],
    });
  });

  it("maps the command options", () => {
    const parsed = parseCliArgs(
      [
        "--commands",
        "--ignore-commands",
        "0.2",
        "--person",
        "60-600",
        "--person-probability",
        "0.5",
        "--person-source",
        "button",
      ],
      NOW,
    );
    expect(parsed.ok && parsed.command.kind === "run" && parsed.command.options).toMatchObject({
      commands: true,
      ignoreCommands: 0.2,
      person: { afterS: [60, 600], probability: 0.5, source: "button" },
    });
    const names = parseCliArgs(
      [
        "--commands",
        "--ignore-commands",
        "Porto/Kitchen/Fridge, shellyplug-s-7AD4B1",
        "--person",
        "90",
      ],
      NOW,
    );
    expect(names.ok && names.command.kind === "run" && names.command.options).toMatchObject({
      ignoreCommands: ["Porto/Kitchen/Fridge", "shellyplug-s-7AD4B1"],
      person: { afterS: 90 },
    });
  });

  it("reports bad command options, named as on the command line", () => {
    expect(parseCliArgs(["--person", "60"], NOW)).toEqual({
      ok: false,
      errors: ["--ignore-commands and --person need --commands"],
    });
    expect(
      parseCliArgs(
        ["--commands", "--person", "soon", "--person-probability", "2", "--ignore-commands", "3"],
        NOW,
      ),
    ).toEqual({
      ok: false,
      errors: [
        '--person must be seconds or min-max seconds, got "soon"',
        "--ignore-commands must be a fraction from 0 to 1, got 3",
        "--person-probability must be from 0 to 1, got 2",
      ],
    });
    expect(parseCliArgs(["--commands", "--person-source", "x"], NOW)).toEqual({
      ok: false,
      errors: ["--person-probability and --person-source need --person"],
    });
  });
});
