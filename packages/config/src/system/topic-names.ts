/** Characters (or a leading `$`) in a topic segment that some brokers refuse or change. */
const HAZARDS: readonly { test: (segment: string) => boolean; why: string }[] = [
  {
    test: (s) => s.includes(" "),
    why: "a space (NATS refuses it: its MQTT gateway closes the connection)",
  },
  {
    test: (s) => s.includes("."),
    why: "a dot (NATS refuses it; RabbitMQ turns it into /)",
  },
  { test: (s) => s.includes("+") || s.includes("#"), why: "an MQTT wildcard (+ or #)" },
  {
    test: (s) => s.startsWith("$"),
    why: "a leading $ (reserved for the broker: subscribers to # do not see such topics)",
  },
];

/** What is hazardous about one topic segment, or undefined when every broker takes it. */
export function topicSegmentHazard(segment: string): string | undefined {
  const found = HAZARDS.filter((h) => h.test(segment)).map((h) => h.why);
  return found.length === 0 ? undefined : found.join(" and ");
}

/**
 * A config advisory (warnings, not errors: Mosquitto takes these names): names that end up in
 * the topics the services publish and that some brokers refuse — the company, and the office,
 * room and device names of `[[devices]]`. Names from device topics are not checked: the broker
 * already took those.
 */
export function brokerTopicAdvisory(config: {
  company: { name: string };
  devices: readonly { path: string }[];
}): { path: (string | number)[]; message: string }[] {
  const found: { path: (string | number)[]; message: string }[] = [];
  const companyHazard = topicSegmentHazard(config.company.name);
  if (companyHazard !== undefined) {
    found.push({
      path: ["company", "topic"],
      message: `the company name ${JSON.stringify(config.company.name)} has ${companyHazard}: every published topic starts with it`,
    });
  }
  config.devices.forEach((device, i) => {
    for (const segment of device.path.split("/")) {
      const hazard = topicSegmentHazard(segment);
      if (hazard === undefined) continue;
      found.push({
        path: ["devices", i, "path"],
        message: `${JSON.stringify(segment)} has ${hazard}; its totals are published under that name (rename it to be safe on every broker)`,
      });
    }
  });
  return found;
}
