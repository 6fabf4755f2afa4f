import { type AddressInfo, createServer, type Socket } from "node:net";
import { Aedes, type AedesOptions } from "aedes";

/** An aedes broker with hooks a test scripts (refused subscriptions, ...), and what it saw. */
export interface ScriptedBroker {
  readonly url: string;
  readonly aedes: Aedes;
  /** Client ids of the PUBACKs the broker received, in order. */
  readonly acks: string[];
  close(): Promise<void>;
}

export async function startScriptedBroker(
  hooks: Partial<AedesOptions> = {},
): Promise<ScriptedBroker> {
  const aedes = await Aedes.createBroker(hooks);
  const acks: string[] = [];
  aedes.on("ack", (_packet, client) => acks.push(client.id));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    aedes,
    acks,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
