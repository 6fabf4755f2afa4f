import type { ServerResponse } from "node:http";

/** Clients at most; more are refused (503) so a page left open in many tabs cannot grow memory. */
const MAX_CLIENTS = 100;
const HEARTBEAT_MS = 15_000;

/** The Server-Sent Events of `/api/events`: every client gets every event. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(": keep-alive\n\n");
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Clients connected. */
  get size(): number {
    return this.clients.size;
  }

  /** Adopts a response as an event stream; `first` events go to it at once. */
  open(response: ServerResponse, first: readonly { event: string; data: unknown }[]): boolean {
    if (this.clients.size >= MAX_CLIENTS) return false;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.write("retry: 2000\n\n");
    for (const e of first) response.write(frame(e.event, e.data));
    this.clients.add(response);
    response.on("close", () => this.clients.delete(response));
    return true;
  }

  /** Sends `data` as `event` to every client. */
  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) c.write(text);
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
