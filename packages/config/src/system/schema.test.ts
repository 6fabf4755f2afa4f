import { describe, expect, it } from "vitest";
import { parseTomlConfig } from "../load";
import { formatProblem } from "../problem";
import { brokerUrls } from "./mqtt";
import { MQTT_ENV_OVERRIDES } from "./mqtt-env";
import { systemConfigSchema } from "./schema";

const file = "config.toml";
const company = '[company]\ntopic = "Coreflux/#"\n';
const parse = (source: string, env: Record<string, string> = {}) =>
  parseTomlConfig(source, file, systemConfigSchema, { env, overrides: MQTT_ENV_OVERRIDES });
const problems = (source: string) => {
  const result = parse(source);
  if (result.ok) throw new Error("expected problems");
  return result.errors.map(formatProblem);
};

describe("the system's config.toml", () => {
  it("needs only [company] and fills every default of every table", () => {
    const result = parse(company);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toEqual({
      company: {
        topic: "Coreflux/#",
        topics: ["Coreflux/#"],
        name: "Coreflux",
        roots: [["Coreflux"]],
        partitioned: false,
        instance: undefined,
      },
      mqtt: {
        client_id: "coreflux-aggregator",
        qos: 1,
        protocol_version: 4,
        keepalive_seconds: 30,
        clean_session: false,
        session_expiry_seconds: 86_400,
        reject_unauthorized: true,
        write_hold_ms: 1,
        embedded: { host: "127.0.0.1", port: 1883 },
      },
      publish: { interval_seconds: 10, retain: true, qos: 1, nested: true, full_refresh_every: 30 },
      state: { path: "./coreflux-state.json", journal: true },
      accounting: { stale_after_seconds: 600, overrides: [] },
      devices: [],
      limits: { max_devices: 20_000, max_payload_bytes: 65_536 },
      http: { host: "127.0.0.1" },
      log: { level: "info", format: "auto" },
      automatism: {
        enabled: false,
        client_id: "coreflux-automatism",
        command: "simple",
        confirm_timeout_seconds: 30,
        retry_backoff_seconds: 5,
        max_attempts: 3,
        max_commands_per_second: 50,
        state_path: "./coreflux-automatism-state.json",
        mirror_on_device: false,
        dry_run: false,
        rules: [],
      },
      homeassistant: { discovery: false, prefix: "homeassistant", format: "device" },
    });
  });

  it("accepts every table of both services in one file", () => {
    const result = parse(
      `${company}[mqtt]\nurl = "mqtt://broker:1883"\n[publish]\ninterval_seconds = 5\n` +
        '[state]\npath = "/var/lib/s.json"\n[accounting]\ntime_zone = "Europe/Lisbon"\n' +
        '[[devices]]\nmatch = "shellies/x"\npath = "Porto/Kitchen/Fridge"\n[limits]\nmax_devices = 10\n' +
        '[http]\nport = 9464\n[history]\nurl = "mysql://u@db/energy"\n[log]\nlevel = "debug"\n' +
        '[automatism]\nenabled = true\ncommand = "rpc"\noverride_minutes = 90\nmirror_on_device = true\n' +
        '[[automatism.rules]]\nname = "night"\nmatch = ["Porto/**"]\nexcept = ["*/Kitchen/Fridge", "**/Server*"]\n' +
        'windows = ["20:30-08:30"]\ndays = ["mon", "fri"]\ntime_zone = "America/Santiago"\n' +
        '[[automatism.rules]]\nname = "lunch"\nwindows = ["12:00-13:00", "23:00-00:30"]\ndry_run = true\n',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.history?.url).toBe("mysql://u@db/energy");
    expect(result.config.automatism).toMatchObject({
      enabled: true,
      command: "rpc",
      override_minutes: 90,
    });
    expect(result.config.automatism.rules).toEqual([
      {
        name: "night",
        match: ["Porto/**"],
        except: ["*/Kitchen/Fridge", "**/Server*"],
        windows: ["20:30-08:30"],
        days: ["mon", "fri"],
        time_zone: "America/Santiago",
        dry_run: false,
      },
      {
        name: "lunch",
        match: ["**"],
        except: [],
        windows: ["12:00-13:00", "23:00-00:30"],
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        dry_run: true,
      },
    ]);
  });

  it("reports a typo in [automatism] and in a rule at its line", () => {
    expect(
      problems(
        `${company}[automatism]\nenabeld = true\n[[automatism.rules]]\nname = "a"\nwindow = ["20:30-08:30"]\n`,
      ),
    ).toEqual([
      "config.toml:4: automatism.enabeld: unknown key",
      "config.toml:5: automatism.rules[0].windows: is required",
      "config.toml:7: automatism.rules[0].window: unknown key",
    ]);
  });

  it("reports a missing window list at the rule's header", () => {
    expect(problems(`${company}[[automatism.rules]]\nname = "a"\n`)).toEqual([
      "config.toml:3: automatism.rules[0].windows: is required",
    ]);
  });

  it("reports a repeated rule name at the repeat's line", () => {
    expect(
      problems(
        `${company}[[automatism.rules]]\nname = "night"\nwindows = ["20:30-08:30"]\n` +
          '[[automatism.rules]]\nname = "day"\nwindows = ["08:30-20:30"]\n' +
          '[[automatism.rules]]\nname = "night"\nwindows = ["22:00-06:00"]\n',
      ),
    ).toEqual([
      'config.toml:10: automatism.rules[2].name: "night" is already the name of automatism.rules[0]',
    ]);
  });

  it("checks windows: format, range, and a length", () => {
    const rule = (windows: string) =>
      problems(`${company}[[automatism.rules]]\nname = "r"\nwindows = ${windows}\n`);
    expect(rule('["20:30-08:30", "8:30-9:00"]')).toEqual([
      'config.toml:5: automatism.rules[0].windows[1]: must be "HH:MM-HH:MM" from 00:00 to 23:59, e.g. "20:30-08:30"',
    ]);
    expect(rule('["24:00-01:00"]')).toEqual([
      expect.stringContaining('windows[0]: must be "HH:MM-HH:MM"'),
    ]);
    expect(rule('["10:60-11:00"]')).toEqual([
      expect.stringContaining('windows[0]: must be "HH:MM-HH:MM"'),
    ]);
    expect(rule('["20:30-20:30"]')).toEqual([
      "config.toml:5: automatism.rules[0].windows[0]: starts and ends at the same time: a window needs a length",
    ]);
    expect(rule("[]")).toEqual([
      "config.toml:5: automatism.rules[0].windows: must list at least one window",
    ]);
    expect(rule('"20:30-08:30"')).toEqual([
      "config.toml:5: automatism.rules[0].windows: expected array, got string",
    ]);
  });

  it("checks days: known names, at least one, no repeats", () => {
    const days = (list: string) =>
      problems(
        `${company}[[automatism.rules]]\nname = "r"\nwindows = ["20:30-08:30"]\ndays = ${list}\n`,
      );
    expect(days('["mon", "Tue"]')).toEqual([
      "config.toml:6: automatism.rules[0].days[1]: must be one of mon, tue, wed, thu, fri, sat, sun",
    ]);
    expect(days('["mon", "fri", "mon"]')).toEqual([
      'config.toml:6: automatism.rules[0].days[2]: day "mon" is listed twice',
    ]);
    expect(days("[]")).toEqual([
      "config.toml:6: automatism.rules[0].days: must list at least one day",
    ]);
  });

  it("checks the globs of match and except", () => {
    const globs = (match: string) =>
      problems(
        `${company}[[automatism.rules]]\nname = "r"\nwindows = ["20:30-08:30"]\nmatch = ${match}\n`,
      );
    expect(globs('["Porto/Kitchen"]')).toEqual([
      expect.stringMatching(
        /^config\.toml:6: automatism\.rules\[0\]\.match\[0\]: matches no device/,
      ),
    ]);
    for (const bad of ['["Porto//x"]', '["a**/b"]', '["A/B/C/D"]', '["A/+/C"]']) {
      expect(globs(bad)).toEqual([
        expect.stringMatching(/^config\.toml:6: automatism\.rules\[0\]\.match\[0\]: /),
      ]);
    }
    expect(globs("[]")).toEqual([
      "config.toml:6: automatism.rules[0].match: must list at least one glob",
    ]);
    expect(
      parse(
        `${company}[[automatism.rules]]\nname = "r"\nwindows = ["20:30-08:30"]\nmatch = ["*/*/*", "A/**/C", "**/Server*"]\n`,
      ).ok,
    ).toBe(true);
  });

  it("checks the other [automatism] keys", () => {
    expect(
      problems(
        `${company}[automatism]\ncommand = "mqtt"\nmax_attempts = 0\noverride_minutes = -5\nstate_path = ""\n`,
      ),
    ).toEqual([
      'config.toml:4: automatism.command: must be "simple" or "rpc"',
      expect.stringMatching(/^config\.toml:5: automatism\.max_attempts: /),
      expect.stringMatching(/^config\.toml:6: automatism\.override_minutes: /),
      expect.stringMatching(/^config\.toml:7: automatism\.state_path: /),
    ]);
  });

  it("checks the history URL without the history package", () => {
    const url = (value: string) => parse(`${company}[history]\nurl = "${value}"\n`);
    for (const good of [
      "sqlite:./h.db",
      "sqlite:///var/h.db",
      "mariadb://u@h:3306/db",
      "mysql://u:p@h/db",
    ])
      expect(url(good).ok).toBe(true);
    for (const bad of [
      "sqlite:",
      "sqlite://",
      "postgres://u@h/db",
      "mariadb://h/db",
      "mariadb://u@h/",
      "mariadb://u@h/a/b",
      "nonsense",
    ]) {
      const result = url(bad);
      expect(result.ok || result.errors.map(formatProblem)).toEqual([
        'config.toml:4: history.url: must be "sqlite:<file>" or "mariadb://user@host:3306/database"',
      ]);
    }
  });

  it("wants a client certificate's key", () => {
    expect(problems(`${company}[mqtt]\ncert_file = "c.pem"\n`)).toEqual([
      "config.toml:4: mqtt.cert_file: needs mqtt.key_file as well",
    ]);
    expect(parse(`${company}[mqtt]\ncert_file = "c.pem"\nkey_file = "c.key"\n`).ok).toBe(true);
  });

  it("takes the broker URL and credentials from the environment, checking the URL", () => {
    const result = parse(company, {
      COREFLUX_MQTT_URL: "mqtts://b:8883",
      COREFLUX_MQTT_USERNAME: "u",
    });
    expect(result.ok && result.config.mqtt).toMatchObject({ url: "mqtts://b:8883", username: "u" });
    const bad = parse(company, { COREFLUX_MQTT_URL: "http://b" });
    expect(bad.ok || bad.errors.map(formatProblem)).toEqual([
      "environment COREFLUX_MQTT_URL: mqtt.url: must start with mqtt://, mqtts://, ws:// or wss://",
    ]);
  });

  describe("[company] partitions", () => {
    const companyOf = (table: string) => {
      const result = parse(`[company]\n${table}\n`);
      if (!result.ok) throw new Error(result.errors.map(formatProblem).join("\n"));
      return result.config.company;
    };

    it("takes an office or a room as a subtree, and names the instance after it", () => {
      expect(companyOf('topic = "Coreflux/Porto/#"')).toEqual({
        topic: "Coreflux/Porto/#",
        topics: ["Coreflux/Porto/#"],
        name: "Coreflux",
        roots: [["Coreflux", "Porto"]],
        partitioned: true,
        instance: "Porto",
      });
      const two = companyOf('topics = ["Coreflux/Porto/Sala 1/#", "Coreflux/Lisboa/#"]');
      expect(two.roots).toEqual([
        ["Coreflux", "Porto", "Sala 1"],
        ["Coreflux", "Lisboa"],
      ]);
      expect(two.instance).toBe("Porto-Sala_1_Lisboa");
      expect(companyOf('topic = "Coreflux/Porto/#"\ninstance = "north"').instance).toBe("north");
    });

    it("refuses filters that are no subtree, overlap, mix companies or come twice", () => {
      expect(problems('[company]\ntopic = "Coreflux/Porto/Sala/Plug/#"\n')).toEqual([
        "config.toml:2: company.topic: a subtree goes down to a room at most (<Company>/<Office>/<Room>/#)",
      ]);
      expect(problems('[company]\ntopic = "Coreflux/+/#"\n')[0]).toContain(
        "company.topic: must be",
      );
      expect(problems('[company]\ntopics = ["Co/A/#", "Co/A/R/#"]\n')).toEqual([
        'config.toml:2: company.topics[1]: overlaps "Co/A/#": a device would be counted twice',
      ]);
      expect(problems('[company]\ntopics = ["Co/A/#", "Other/B/#"]\n')).toEqual([
        'config.toml:2: company.topics[1]: every filter must be under the same company ("Co")',
      ]);
      expect(problems('[company]\ntopic = "Co/#"\ntopics = ["Co/A/#"]\n')).toEqual([
        "config.toml:3: company.topics: set either topic or topics, not both",
      ]);
      expect(problems('[company]\ninstance = "x"\n')[0]).toContain("company.topic: is required");
      expect(problems('[company]\ntopic = "Co/#"\ninstance = "x"\n')[0]).toContain(
        "company.instance: names a partition",
      );
      expect(problems('[company]\ntopic = "Co/A/#"\ninstance = "a b"\n')[0]).toContain(
        "company.instance: must be 1-48 letters",
      );
    });
  });

  describe("[mqtt] urls (failover)", () => {
    it("takes several nodes, or a comma list from COREFLUX_MQTT_URL", () => {
      const file = parse(`${company}[mqtt]\nurls = ["mqtt://a:1883", "mqtt://b:1883"]\n`);
      expect(file.ok && brokerUrls(file.config.mqtt)).toEqual(["mqtt://a:1883", "mqtt://b:1883"]);
      const env = parse(`${company}[mqtt]\nurls = ["mqtt://a:1883"]\n`, {
        COREFLUX_MQTT_URL: "mqtt://c:1883, mqtts://d:8883",
      });
      expect(env.ok && brokerUrls(env.config.mqtt)).toEqual(["mqtt://c:1883", "mqtts://d:8883"]);
      expect(parse(company).ok && brokerUrls({})).toBeUndefined();
    });

    it("refuses url and urls together, and a bad URL in a list", () => {
      expect(problems(`${company}[mqtt]\nurl = "mqtt://a"\nurls = ["mqtt://b"]\n`)).toEqual([
        "config.toml:5: mqtt.urls: set either url or urls, not both",
      ]);
      expect(problems(`${company}[mqtt]\nurls = ["mqtt://a", "http://b"]\n`)[0]).toContain(
        "mqtt.urls[1]: must start with mqtt://",
      );
      const bad = parse(company, { COREFLUX_MQTT_URL: "mqtt://a,http://b" });
      expect(!bad.ok && bad.errors[0]?.message).toContain("each of the comma-separated URLs");
    });
  });
});
