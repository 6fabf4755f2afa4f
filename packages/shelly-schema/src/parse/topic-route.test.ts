import { describe, expect, it } from "vitest";
import { type Route, routeTopic } from "./topic-route";

/** The route without the component spec (an internal object), for readable expectations. */
function route(topic: string): Record<string, unknown> | undefined {
  const found: Route | undefined = routeTopic(topic);
  if (found === undefined) return undefined;
  if (found.type === "status") return { type: "status", prefix: found.prefix, key: found.key.key };
  return { ...found };
}

describe("Gen2+ topics, read from the right", () => {
  it.each([
    ["shellyplus1pm-a8032ab12345/status/switch:0", "shellyplus1pm-a8032ab12345"],
    ["Coreflux/Porto/MeetingRoom/Light1/status/switch:0", "Coreflux/Porto/MeetingRoom/Light1"],
    ["a/status/switch:0", "a"],
    ["shellies/server-pm/status/switch:0", "shellies/server-pm"],
    ["x/status/rpc/status/switch:0", "x/status/rpc"],
  ])("%s is a switch status of prefix %s", (topic, prefix) => {
    expect(route(topic)).toEqual({ type: "status", prefix, key: "switch:0" });
  });

  it.each(["pm1:0", "cover:1", "light:2", "rgb:0", "rgbw:0", "cct:0", "em:0", "emdata:0"])(
    "status/%s is a metering status",
    (component) => {
      expect(route(`dev/status/${component}`)).toEqual({
        type: "status",
        prefix: "dev",
        key: component,
      });
    },
  );

  it.each(["em1:2", "em1data:2", "temperature:0", "temperature:100"])(
    "status/%s is a known status",
    (component) => {
      expect(route(`a/b/status/${component}`)?.type).toBe("status");
    },
  );

  it("status/sys is context", () => {
    expect(route("Coreflux/Porto/Pro3EM/status/sys")).toEqual({
      type: "sys",
      prefix: "Coreflux/Porto/Pro3EM",
    });
  });

  it.each([
    ["dev/status/wifi", "singleton-status", "wifi"],
    ["dev/status/mqtt", "singleton-status", "mqtt"],
    ["dev/status/switch", "singleton-status", "switch"],
    ["dev/status/input:0", "non-metering-component", "input:0"],
    ["dev/status/script:1", "non-metering-component", "script:1"],
    ["dev/status/switch:01", "non-metering-component", "switch:01"],
    ["dev/status/Switch:0", "non-metering-component", "Switch:0"],
    ["dev/command/switch:0", "command", "switch:0"],
    ["dev/error/switch:0", "error-report", "switch:0"],
  ])("%s is ignored (%s)", (topic, reason, component) => {
    expect(route(topic)).toEqual({
      type: "ignored",
      prefix: "dev",
      generation: 2,
      reason,
      component,
    });
  });

  it.each([
    ["Coreflux/Porto/MeetingRoom/Light1/command", "command"],
    ["Coreflux/Porto/MeetingRoom/Light1/debug/log", "debug-log"],
  ])("%s is ignored (%s) without a component", (topic, reason) => {
    expect(route(topic)).toEqual({
      type: "ignored",
      prefix: "Coreflux/Porto/MeetingRoom/Light1",
      generation: 2,
      reason,
    });
  });

  it("events/rpc is a notification, any other rpc is an RPC channel", () => {
    expect(route("shellies/server-pm/events/rpc")).toEqual({
      type: "notification",
      prefix: "shellies/server-pm",
    });
    expect(route("a/b/c/events/rpc")).toEqual({ type: "notification", prefix: "a/b/c" });
    expect(route("energy-aggregator/rpc")).toEqual({ type: "rpc", prefix: "energy-aggregator" });
    expect(route("events/rpc")).toEqual({ type: "rpc", prefix: "events" });
    expect(route("Coreflux/Porto/x/rpc")).toEqual({ type: "rpc", prefix: "Coreflux/Porto/x" });
  });

  it("online of any prefix is availability", () => {
    expect(route("shellyplusplugs-c82e18a1b2c3/online")).toEqual({
      type: "online",
      prefix: "shellyplusplugs-c82e18a1b2c3",
      generation: 2,
    });
    expect(route("a/b/online")).toEqual({ type: "online", prefix: "a/b", generation: 2 });
  });

  it.each([
    "online",
    "/online",
    "rpc",
    "status/switch:0",
    "/status/switch:0",
    "dev/status/",
    "dev/",
    "dev",
    "dev/debug/other",
    "dev/telemetry/switch:0",
    "homeassistant/sensor/x/config",
    "",
  ])("%j is not a Shelly topic", (topic) => {
    expect(route(topic)).toBeUndefined();
  });
});

describe("Gen1 topics under shellies/<id>/", () => {
  const prefix = "shellies/shellyplug-s-7AD4B1";

  it.each([
    ["relay/0/power", "relay:0", "powerW"],
    ["relay/1/energy", "relay:1", "energyWmin"],
    ["roller/0/power", "roller:0", "powerW"],
    ["roller/0/energy", "roller:0", "energyWmin"],
    ["light/0/power", "light:0", "powerW"],
    ["light/3/energy", "light:3", "energyWmin"],
    ["relay/power", "relay:0", "powerW"],
    ["relay/energy", "relay:0", "energyWmin"],
    ["emeter/0/power", "emeter:0", "powerW"],
    ["emeter/1/reactive_power", "emeter:1", "reactivePowerVAr"],
    ["emeter/2/voltage", "emeter:2", "voltageV"],
    ["emeter/2/current", "emeter:2", "currentA"],
    ["emeter/2/pf", "emeter:2", "powerFactor"],
    ["emeter/0/total", "emeter:0", "energyWh"],
    ["emeter/0/total_returned", "emeter:0", "returnedEnergyWh"],
  ])("%s is %s %s", (rest, component, quantity) => {
    expect(route(`${prefix}/${rest}`)).toEqual({ type: "gen1-value", prefix, component, quantity });
  });

  it("relay/<n> and light/<n> carry the output state", () => {
    expect(route(`${prefix}/relay/0`)).toEqual({
      type: "gen1-state",
      prefix,
      component: "relay:0",
    });
    expect(route(`${prefix}/light/1`)).toEqual({
      type: "gen1-state",
      prefix,
      component: "light:1",
    });
  });

  it("online, announce and temperature", () => {
    expect(route(`${prefix}/online`)).toEqual({ type: "online", prefix, generation: 1 });
    expect(route(`${prefix}/announce`)).toEqual({ type: "announce", prefix });
    expect(route("shellies/announce")).toEqual({ type: "announce", prefix: undefined });
    expect(route(`${prefix}/temperature`)).toEqual({ type: "gen1-temperature", prefix });
  });

  it.each([
    ["emeter/0/energy", "volatile-counter", "emeter:0"],
    ["emeter/1/returned_energy", "volatile-counter", "emeter:1"],
    ["relay/0/command", "command", "relay:0"],
    ["roller/0/command/pos", "command", "roller:0"],
    ["light/0/set", "command", "light:0"],
    ["emeter/0/command", "command", "emeter:0"],
  ])("%s is ignored (%s)", (rest, reason, component) => {
    expect(route(`${prefix}/${rest}`)).toEqual({
      type: "ignored",
      prefix,
      generation: 1,
      reason,
      component,
    });
  });

  it.each([
    "info",
    "input/0",
    "roller/0",
    "roller/0/pos",
    "temperature_f",
    "overtemperature",
    "relay/0/overpower_value",
    "sensor/temperature",
    "emeter/0/unknown",
    "emeter/01/power",
  ])("%s is a Gen1 topic without metering", (rest) => {
    expect(route(`${prefix}/${rest}`)).toEqual({
      type: "ignored",
      prefix,
      generation: 1,
      reason: "gen1-non-metering",
    });
  });

  it("commands to all devices or to one device are ignored", () => {
    expect(route("shellies/command")).toEqual({
      type: "ignored",
      prefix: "shellies",
      generation: 1,
      reason: "command",
    });
    expect(route(`${prefix}/command`)).toEqual({
      type: "ignored",
      prefix,
      generation: 1,
      reason: "command",
    });
  });

  it("a Gen2+ device with a shellies/<name> prefix is read by topic shape", () => {
    expect(route("shellies/server-pm/events/rpc")?.type).toBe("notification");
    expect(route("shellies/server-pm/rpc")).toEqual({ type: "rpc", prefix: "shellies/server-pm" });
    expect(route("shellies/a/b/online")).toEqual({
      type: "online",
      prefix: "shellies/a/b",
      generation: 2,
    });
    // Exactly shellies/<one level>/online is Gen1-shaped; availability means the same for both.
    expect(route("shellies/server-pm/online")).toEqual({
      type: "online",
      prefix: "shellies/server-pm",
      generation: 1,
    });
  });

  it.each(["shellies", "shellies/", "shellies/x", "shellies//relay/0/power"])(
    "%j is not a device topic",
    (topic) => {
      const found = route(topic);
      expect(found === undefined || found.type !== "gen1-value").toBe(true);
    },
  );
});
