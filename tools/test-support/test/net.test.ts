import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ephemeralPortRange, freePort } from "../src/index";

describe("freePort", () => {
  it("hands out distinct ports a server can listen on, below the ephemeral range", async () => {
    const [ephemeralLow, ephemeralHigh] = ephemeralPortRange();
    expect(ephemeralLow).toBeLessThan(ephemeralHigh);
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    // An outgoing connection's local port never lands there (when the range leaves room).
    if (ephemeralLow > 21_000) for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(ports[0], "127.0.0.1", () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
