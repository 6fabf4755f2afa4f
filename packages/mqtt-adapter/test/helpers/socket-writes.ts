import { createRequire } from "node:module";
import net from "node:net";

/** mqtt-packet, as mqtt.js loads it: the parser that reads back what the socket was given. */
const requireFromMqtt = createRequire(createRequire(import.meta.url).resolve("mqtt"));
const mqttPacket = requireFromMqtt("mqtt-packet") as {
  parser(options: { protocolVersion: number }): {
    on(event: "packet", listener: (packet: { cmd: string; messageId?: number }) => void): void;
    on(event: "error", listener: (error: Error) => void): void;
    parse(bytes: Buffer): number;
  };
};

/**
 * What reaches the sockets of this process, per local port: every chunk handed to
 * `net.Socket#write` (the gatherer hands its slab's part to the socket's own `write`).
 */
export function recordSocketWrites(): { chunks: Map<number, Buffer[]>; restore: () => void } {
  const chunks = new Map<number, Buffer[]>();
  const original = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    const [chunk, encoding] = args;
    const port = this.localPort;
    if (port !== undefined) {
      const bytes =
        typeof chunk === "string"
          ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
          : Buffer.from(chunk as Uint8Array);
      const list = chunks.get(port) ?? [];
      if (list.length === 0) chunks.set(port, list);
      list.push(bytes);
    }
    return (original as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof original;
  return { chunks, restore: () => (net.Socket.prototype.write = original) };
}

/** The PUBACK packet ids in `chunks` (bytes a socket was given), and any parse error. */
export function readAcks(chunks: Buffer[]): { acks: number[]; errors: Error[] } {
  const acks: number[] = [];
  const errors: Error[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", (packet) => {
    if (packet.cmd === "puback") acks.push(packet.messageId ?? -1);
  });
  parser.on("error", (error) => errors.push(error));
  parser.parse(Buffer.concat(chunks));
  return { acks, errors };
}
