import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { formatProblem, loadConfig, parseConfig } from "./load";

const file = "config.toml";
const problems = (source: string) => {
  const result = parseConfig(source, file);
  if (result.ok) throw new Error("expected errors");
  return result.errors.map(formatProblem);
};

describe("configuration", () => {
  it("accepts the original service's config.toml and fills every default", () => {
    const result = parseConfig('[company]\ntopic = "Coreflux/#"\n', file);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      company: { topic: "Coreflux/#" },
      mqtt: {
        client_id: "coreflux-aggregator",
        qos: 1,
        protocol_version: 4,
        clean_session: false,
        embedded: { host: "127.0.0.1", port: 1883 },
      },
      publish: { interval_seconds: 10, retain: true, nested: true, full_refresh_every: 30, qos: 1 },
      state: { path: "./coreflux-state.json", journal: true },
      accounting: { stale_after_seconds: 600, overrides: [] },
      devices: [],
      limits: { max_devices: 20_000, max_payload_bytes: 65_536 },
      http: { host: "127.0.0.1" },
      log: { level: "info", format: "auto" },
    });
    expect(result.config.mqtt.url).toBeUndefined();
    expect(result.config.http.port).toBeUndefined();
  });

  it("parses config.example.toml, whose values are the defaults", () => {
    const example = loadConfig(new URL("../../config.example.toml", import.meta.url).pathname);
    const minimal = parseConfig('[company]\ntopic = "Coreflux/#"\n', file);
    expect(example.ok && minimal.ok).toBe(true);
    if (example.ok && minimal.ok) expect(example.config).toEqual(minimal.config);
  });

  it("[history]: defaults, the password from the environment, and clear errors", () => {
    const on = parseConfig('[company]\ntopic = "C/#"\n[history]\n', file, {
      COREFLUX_HISTORY_PASSWORD: "s3cret",
    });
    expect(on.ok).toBe(true);
    if (on.ok) {
      expect(on.config.history).toEqual({
        url: "sqlite:./coreflux-history.db",
        password: "s3cret",
        period_minutes: 15,
        keep_fine_days: 35,
        max_memory_rows: 200_000,
      });
      expect(on.warnings).toContain("history.password is taken from COREFLUX_HISTORY_PASSWORD");
    }
    const off = parseConfig('[company]\ntopic = "C/#"\n', file, { COREFLUX_HISTORY_PASSWORD: "x" });
    expect(off.ok && off.config.history).toBeUndefined();
    expect(problems('[company]\ntopic = "C/#"\n[history]\nperiod_minutes = 7\n')).toEqual([
      expect.stringMatching(/^config\.toml:4: history\.period_minutes: /),
    ]);
    expect(problems('[company]\ntopic = "C/#"\n[history]\nurl = "postgres://x@y/z"\n')).toEqual([
      'config.toml:4: history.url: must be "sqlite:<file>" or "mariadb://user@host:3306/database"',
    ]);
    // Hourly periods aligned to UTC cannot be local hours in India (UTC+5:30).
    expect(
      problems(
        '[company]\ntopic = "C/#"\n[accounting]\ntime_zone = "Asia/Kolkata"\n[history]\nperiod_minutes = 60\n',
      ),
    ).toEqual([
      expect.stringMatching(/^config\.toml:6: history\.period_minutes: Asia\/Kolkata is UTC\+5:30/),
    ]);
  });

  it("names the key, the file and the line of a wrong type", () => {
    expect(problems('[company]\ntopic = "Coreflux/#"\n\n[mqtt.embedded]\nport = "1883"\n')).toEqual(
      ["config.toml:5: mqtt.embedded.port: expected number, got string"],
    );
  });

  it("reports unknown keys, each with its line", () => {
    expect(
      problems(
        '[company]\ntopic = "Coreflux/#"\ncolour = "blue"\n\n[publish]\ninterval = 5\n[extra]\n',
      ),
    ).toEqual([
      "config.toml:3: company.colour: unknown key",
      "config.toml:6: publish.interval: unknown key",
      "config.toml:7: extra: unknown key",
    ]);
  });

  it("checks the company filter, fractions of seconds and device paths", () => {
    expect(
      parseConfig('[company]\ntopic = "Coreflux/#"\n[publish]\ninterval_seconds = 0.5\n', file).ok,
    ).toBe(true);
    expect(problems('[company]\ntopic = "Coreflux/+/#"\n')).toEqual([
      'config.toml:2: company.topic: must be "<Company>/#", e.g. "Coreflux/#"',
    ]);
    expect(
      problems(
        '[company]\ntopic = "C/#"\n[[devices]]\nmatch = "shellies/x"\npath = "A/B"\n[[devices]]\nmatch = "y"\npath = "A/B/C"\n',
      ),
    ).toEqual([
      'config.toml:5: devices[0].path: must be "Office/Room/Device" (three non-empty segments)',
    ]);
    expect(
      problems(
        '[company]\ntopic = "C/#"\n[[devices]]\nmatch = "y"\npath = "A/B/C"\n[[devices]]\nmatch = "z/#"\npath = "A/B/D"\n',
      ),
    ).toEqual([
      "config.toml:7: devices[1].match: must be a topic prefix or a Shelly id, without wildcards",
    ]);
  });

  it("reports a missing [company] and an unknown time zone", () => {
    expect(problems("[mqtt]\nqos = 1\n")).toEqual(["config.toml: company: is required"]);
    expect(
      problems('[company]\ntopic = "C/#"\n[accounting]\ntime_zone = "Europe/Atlantis"\n'),
    ).toEqual(["config.toml:4: accounting.time_zone: unknown IANA time zone"]);
  });

  it("reports TOML syntax errors with their line", () => {
    expect(problems('[company]\ntopic = "Coreflux/#\n')[0]).toMatch(
      /^config\.toml:2: invalid TOML/,
    );
  });

  it("reports a missing file", () => {
    const result = loadConfig("/nonexistent/config.toml");
    expect(result.ok || result.errors.map(formatProblem)).toEqual([
      "/nonexistent/config.toml: cannot read the configuration: file not found",
    ]);
  });

  it("lets the environment override the URL and the credentials, and says so", () => {
    const dir = mkdtempSync(join(tmpdir(), "coreflux-config-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "config.toml");
    writeFileSync(
      path,
      '[company]\ntopic = "Coreflux/#"\n[mqtt]\nurl = "mqtt://file:1883"\nusername = "file"\n',
    );
    const result = loadConfig(path, {
      COREFLUX_MQTT_URL: "mqtts://broker:8883",
      COREFLUX_MQTT_PASSWORD: "s3cret",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.mqtt).toMatchObject({
      url: "mqtts://broker:8883",
      username: "file",
      password: "s3cret",
    });
    expect(result.warnings).toEqual([
      "mqtt.url is taken from COREFLUX_MQTT_URL",
      "mqtt.password is taken from COREFLUX_MQTT_PASSWORD",
    ]);
    const bad = loadConfig(path, { COREFLUX_MQTT_URL: "http://x" });
    expect(bad.ok || bad.errors.map(formatProblem)).toEqual([
      "environment COREFLUX_MQTT_URL: mqtt.url: must start with mqtt://, mqtts://, ws:// or wss://",
    ]);
  });
});
