import type { CycleOutput, PublishCycle } from "../output/cycle-output";
import type { ApiNodes } from "./api-nodes";
import type { EventStream } from "./event-stream";

/**
 * Feeds the web view's event stream from the publish cycle: the tree after every cycle (only
 * while a page is open), and the broker's state when it changes.
 */
export class LiveOutput implements CycleOutput {
  readonly name = "web view";
  private brokerConnected: boolean | undefined;

  constructor(
    private readonly events: EventStream,
    private readonly nodes: () => ApiNodes,
  ) {}

  cycle(_cycle: PublishCycle): void {
    if (this.events.size === 0) return;
    const nodes = this.nodes();
    if (nodes.brokerConnected !== this.brokerConnected) {
      this.brokerConnected = nodes.brokerConnected;
      this.events.send("status", { brokerConnected: nodes.brokerConnected });
    }
    this.events.send("nodes", nodes);
  }

  async close(): Promise<void> {
    this.events.close();
  }
}
