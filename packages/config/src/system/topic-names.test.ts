import { describe, expect, it } from "vitest";
import { parseTomlConfig } from "../load";
import { systemConfigSchema } from "./schema";
import { brokerTopicAdvisory, topicSegmentHazard } from "./topic-names";

describe("topic names some brokers refuse", () => {
  it("names each hazard of a segment", () => {
    expect(topicSegmentHazard("MeetingRoom")).toBeUndefined();
    expect(topicSegmentHazard("Sala_1-a")).toBeUndefined();
    expect(topicSegmentHazard("Meeting Room")).toContain("a space (NATS refuses it");
    expect(topicSegmentHazard("v1.2")).toContain(
      "a dot (NATS refuses it; RabbitMQ turns it into /)",
    );
    expect(topicSegmentHazard("$Lab")).toContain("a leading $");
    expect(topicSegmentHazard("A b.c")).toMatch(/a space .* and a dot/);
  });

  it("is a warning with the file's line, not an error", () => {
    const source =
      '[company]\ntopic = "Coreflux/#"\n\n[[devices]]\nmatch = "shellyem-1"\npath = "Porto/Meeting Room/Em.1"\n';
    const result = parseTomlConfig(source, "config.toml", systemConfigSchema, {
      advisories: [brokerTopicAdvisory],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual([
      'config.toml:6: devices[0].path: "Meeting Room" has a space (NATS refuses it: its MQTT gateway closes the connection); its totals are published under that name (rename it to be safe on every broker)',
      'config.toml:6: devices[0].path: "Em.1" has a dot (NATS refuses it; RabbitMQ turns it into /); its totals are published under that name (rename it to be safe on every broker)',
    ]);
  });

  it("warns about the company name too", () => {
    const result = parseTomlConfig(
      '[company]\ntopic = "Acme Inc/#"\n',
      "c.toml",
      systemConfigSchema,
      {
        advisories: [brokerTopicAdvisory],
      },
    );
    expect(result.ok && result.warnings).toEqual([
      'c.toml:2: company.topic: the company name "Acme Inc" has a space (NATS refuses it: its MQTT gateway closes the connection): every published topic starts with it',
    ]);
  });
});
