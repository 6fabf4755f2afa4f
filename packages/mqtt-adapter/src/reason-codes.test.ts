import { describe, expect, it } from "vitest";
import { mqtt5ReasonName, mqtt311ReturnName, protocolName } from "./reason-codes";

describe("reason codes", () => {
  it.each([
    [0x00, "Normal disconnection"],
    [0x80, "Unspecified error"],
    [0x84, "Unsupported Protocol Version"],
    [0x87, "Not authorized"],
    [0x8e, "Session taken over"],
    [0x97, "Quota exceeded"],
    [0x99, "Payload format invalid"],
    [0x9c, "Use another server"],
    [0x9f, "Connection rate exceeded"],
  ])("MQTT 5 code 0x%s is %s", (code, name) => {
    expect(mqtt5ReasonName(code)).toBe(name);
  });

  it("names every code from 0x80 to 0x9F the spec defines, and never throws on others", () => {
    const unnamed = [];
    for (let code = 0x80; code <= 0x9f; code++) {
      if (mqtt5ReasonName(code) === "unknown reason") unnamed.push(code.toString(16));
    }
    expect(unnamed).toEqual(["91", "92"]); // not defined for CONNACK or DISCONNECT
    expect(mqtt5ReasonName(0x42)).toBe("unknown reason");
    expect(mqtt5ReasonName(undefined)).toBe("no reason");
    expect(mqtt5ReasonName("0x87")).toBe("no reason");
  });

  it("names MQTT 3.1.1 return codes and protocol versions", () => {
    expect([mqtt311ReturnName(1), mqtt311ReturnName(5), mqtt311ReturnName(9)]).toEqual([
      "unacceptable protocol version",
      "not authorized",
      "unknown reason",
    ]);
    expect([protocolName(4), protocolName(5)]).toEqual(["MQTT 3.1.1", "MQTT 5"]);
  });
});
