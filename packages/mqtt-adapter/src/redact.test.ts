import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact";

describe("redactUrl", () => {
  it.each([
    ["mqtt://host:1883", "mqtt://host:1883"],
    ["mqtt://user:s3cret@host:1883", "mqtt://user:***@host:1883"],
    ["mqtts://user@host", "mqtts://user@host"],
    ["mqtt://:s3cret@host", "mqtt://:***@host"],
    ["mqtt://u:p%40ss@host", "mqtt://u:***@host"],
    ["mqtt://u:p@ss@host:1", "mqtt://u:***@host:1"],
    ["wss://u:pw@host/mqtt?token=s3cret#frag", "wss://u:***@host/mqtt?***"],
    ["ws://host:8080/", "ws://host:8080/"],
    ["mqtt://[::1]:1883", "mqtt://[::1]:1883"],
  ])("%s -> %s", (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it("hides credentials of URLs that do not parse", () => {
    expect(redactUrl("mqtt://us er:s3c ret@ho st")).toBe("mqtt://***@ho st");
    expect(redactUrl("mqtt://u:pa?ss@h st")).toBe("mqtt://***@h st");
    expect(redactUrl("no url at all")).toBe("no url at all");
    expect(redactUrl("bad url?token=s3cret")).toBe("bad url?***");
  });
});
