import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, listed, MAX_LISTED_IN_LOG, redactUrl } from "./logger";

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { destination, text: () => chunks.join("") };
}

describe("logging", () => {
  it("redacts credentials by key, at any depth", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.destination });
    log.info(
      {
        password: "hunter2",
        mqtt: { username: "alice", password: "hunter2" },
        tls: { key: "PRIVATE" },
      },
      "connecting",
    );
    expect(out.text()).not.toMatch(/hunter2|alice|PRIVATE/);
    expect(out.text()).toContain("[redacted]");
  });

  it("writes pretty lines on request and JSON lines otherwise", () => {
    const json = capture();
    createLogger({ level: "info", format: "json", destination: json.destination }).info("hello");
    expect(JSON.parse(json.text())).toMatchObject({
      msg: "hello",
      service: "coreflux-aggregator",
      level: 30,
    });
    const pretty = capture();
    createLogger({ level: "info", format: "pretty", destination: pretty.destination }).info(
      "hello",
    );
    expect(pretty.text()).toMatch(/INFO.*hello/);
  });

  it("strips user and password from URLs", () => {
    expect(redactUrl("mqtts://alice:hunter2@broker.example:8883")).toBe(
      "mqtts://broker.example:8883",
    );
    expect(redactUrl("mqtt://127.0.0.1:1883")).toBe("mqtt://127.0.0.1:1883");
    expect(redactUrl("not a url")).toBe("[unparsable url]");
  });
});

describe("lists in log lines", () => {
  it("lists the first items and counts the rest", () => {
    const filters = Array.from({ length: 27_000 }, (_, i) => `shellies/shellyem-${i}/#`);
    const out = listed(filters);
    expect(out.items).toEqual(filters.slice(0, MAX_LISTED_IN_LOG));
    expect(out.notListed).toBe(27_000 - MAX_LISTED_IN_LOG);
    expect(listed(["Coreflux/#"])).toEqual({ items: ["Coreflux/#"], notListed: 0 });
    expect(listed([])).toEqual({ items: [], notListed: 0 });
  });
});
