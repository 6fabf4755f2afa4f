import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("[http]: a listener other machines can reach needs a token (the web view shows the company's energy)", () => {
    expect(problems('[company]\ntopic = "C/#"\n[http]\nhost = "0.0.0.0"\nport = 8080\n')).toEqual([
      expect.stringMatching(
        /^config\.toml:4: http\.host: 0\.0\.0\.0 is reachable from other machines: set \[http\] token/,
      ),
    ]);
    expect(
      parseConfig('[company]\ntopic = "C/#"\n[http]\nhost = "0.0.0.0"\nport = 8080\n', file, {
        COREFLUX_HTTP_TOKEN: "0123456789abcdef",
      }).ok,
    ).toBe(true);
    expect(
      parseConfig('[company]\ntopic = "C/#"\n[http]\nhost = "127.0.0.1"\nport = 8080\n', file).ok,
    ).toBe(true);
    expect(
      problems(
        '[company]\ntopic = "C/#"\n[http]\nhost = "0.0.0.0"\nport = 8080\ntoken = "short"\n',
      ),
    ).toEqual(["config.toml:6: http.token: must be at least 16 characters"]);
  });

  it("protocol_version = 5 needs a broker that speaks it (the embedded one speaks 3.1.1)", () => {
    expect(problems('[company]\ntopic = "C/#"\n[mqtt]\nprotocol_version = 5\n')).toEqual([
      expect.stringMatching(
        /^config\.toml:4: mqtt\.protocol_version: the embedded broker .* speaks MQTT 3\.1\.1 only/,
      ),
    ]);
    expect(
      parseConfig('[company]\ntopic = "C/#"\n[mqtt]\nprotocol_version = 5\n', file, {
        COREFLUX_MQTT_URL: "mqtt://broker:1883",
      }).ok,
    ).toBe(true);
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
      'config.toml:2: company.topic: must be "<Company>/#" or a subtree such as "<Company>/<Office>/#", without empty segments or wildcards other than the final #',
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

describe("the automatism's table in the shared config.toml", () => {
  const company = '[company]\ntopic = "Coreflux/#"\n';
  const rule = (body: string) => `${company}[[automatism.rules]]\nname = "night"\n${body}`;

  it("accepts [automatism] with its rules, and the config.example.toml's commented section", () => {
    const result = parseConfig(
      `${company}[automatism]\nenabled = true\ncommand = "rpc"\nmax_attempts = 5\n` +
        '[[automatism.rules]]\nname = "night"\nmatch = ["Porto/**"]\nexcept = ["*/Kitchen/Fridge"]\n' +
        'windows = ["20:30-08:30"]\ndays = ["mon", "tue"]\ntime_zone = "Europe/Lisbon"\n',
      file,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.automatism).toMatchObject({
      enabled: true,
      command: "rpc",
      max_attempts: 5,
    });
    expect(result.config.automatism.rules).toEqual([
      {
        name: "night",
        match: ["Porto/**"],
        except: ["*/Kitchen/Fridge"],
        windows: ["20:30-08:30"],
        days: ["mon", "tue"],
        time_zone: "Europe/Lisbon",
        dry_run: false,
      },
    ]);
  });

  it("config.example.toml documents every [automatism] key with its default", () => {
    const text = readFileSync(new URL("../../config.example.toml", import.meta.url), "utf8");
    // Uncomment the section: "# key = value   # note" → "key = value".
    const section = text
      .slice(text.indexOf("# [automatism]"))
      .split("\n")
      .map((line) => line.replace(/^# ?/, "").replace(/\s+#.*$/, ""))
      .filter((line) => /^(\[|[a-z_]+ = )/.test(line))
      .join("\n");
    const result = parseConfig(`${company}${section}\n`, file);
    expect(result.ok || result.errors.map(formatProblem)).toBe(true);
    if (!result.ok) return;
    const defaults = parseConfig(company, file);
    expect(defaults.ok).toBe(true);
    if (!defaults.ok) return;
    const { rules, override_minutes, http_port, ...table } = result.config.automatism;
    const { rules: noRules, ...defaultTable } = defaults.config.automatism;
    expect(table).toEqual(defaultTable);
    expect(override_minutes).toBe(60);
    expect(http_port).toBe(9465);
    expect(noRules).toEqual([]);
    expect(rules).toEqual([
      {
        name: "after-hours",
        match: ["**"],
        except: [],
        windows: ["20:30-08:30"],
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        time_zone: "Europe/Lisbon",
        dry_run: false,
      },
    ]);
  });

  it("reports a typo inside [automatism] and inside a rule with file:line:key", () => {
    expect(
      problems(
        `${company}[automatism]\nenable = true\n[[automatism.rules]]\nname = "a"\nwindows = ["20:30-08:30"]\ndry-run = true\n`,
      ),
    ).toEqual([
      "config.toml:4: automatism.enable: unknown key",
      "config.toml:8: automatism.rules[0].dry-run: unknown key",
    ]);
  });

  it("reports a duplicated rule name at the duplicate's line", () => {
    expect(
      problems(
        `${rule('windows = ["20:30-08:30"]\n')}[[automatism.rules]]\nname = "night"\nwindows = ["22:00-06:00"]\n`,
      ),
    ).toEqual([
      'config.toml:7: automatism.rules[1].name: "night" is already the name of automatism.rules[0]',
    ]);
  });

  it("reports bad windows and days with their line", () => {
    expect(problems(rule('windows = ["20:30-25:00"]\n'))).toEqual([
      'config.toml:5: automatism.rules[0].windows[0]: must be "HH:MM-HH:MM" from 00:00 to 23:59, e.g. "20:30-08:30"',
    ]);
    expect(problems(rule('windows = ["08:00-08:00"]\n'))).toEqual([
      "config.toml:5: automatism.rules[0].windows[0]: starts and ends at the same time: a window needs a length",
    ]);
    expect(problems(rule('windows = ["20:30-08:30"]\ndays = ["mon", "monday"]\n'))).toEqual([
      "config.toml:6: automatism.rules[0].days[1]: must be one of mon, tue, wed, thu, fri, sat, sun",
    ]);
    expect(problems(rule('windows = ["20:30-08:30"]\ndays = ["mon", "sun", "mon"]\n'))).toEqual([
      'config.toml:6: automatism.rules[0].days[2]: day "mon" is listed twice',
    ]);
  });
});
