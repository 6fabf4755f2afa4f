import type { IPublishPacket } from "mqtt";
import { DEFAULT_TURN_BUDGET_MS, type QoS } from "./client-options";
import type { MessageHandler, MessageInfo } from "./client-types";
import { MqttAdapterError } from "./errors";

type Done = (error?: Error) => void;

/**
 * The incoming side, installed as mqtt.js's `handleMessage` hook. mqtt.js calls the hook for
 * one message at a time and neither acknowledges it (PUBACK/PUBCOMP) nor parses the next packet
 * until `done` is called; the intake calls `done` only after the handler returned or its
 * promise settled. A slow handler therefore stops the socket from being read and the broker
 * keeps the backlog: this process holds at most one message in the handler plus the socket
 * buffers. Until a handler is registered, the first message waits the same way.
 *
 * mqtt.js handles every packet of a socket read in one turn of the event loop (a read of 64 KB
 * holds hundreds of small messages; one turn measured 2,060). Once the messages of a turn have
 * taken `turnBudgetMs`, the intake calls the next `done` in a later turn (`setImmediate`):
 * timers and other I/O get their turn, and the rest of the read follows. Nothing is dropped or
 * reordered; the socket is simply read no further meanwhile.
 */
export class MessageIntake {
  readonly #onHandlerError: (error: MqttAdapterError) => void;
  readonly #onParked: () => void;
  readonly #turnBudgetMs: number;
  #handler: MessageHandler | undefined;
  #parked: { packet: IPublishPacket; done: Done } | undefined;
  /** `performance.now()` at this turn's first message; undefined between turns. */
  #turnStartedMs: number | undefined;
  received = 0;
  handlerErrors = 0;
  /** Times the intake left the rest of a read for a later turn (its budget was spent). */
  turnsYielded = 0;

  constructor(
    onHandlerError: (error: MqttAdapterError) => void,
    onParked: () => void = () => {},
    turnBudgetMs: number = DEFAULT_TURN_BUDGET_MS,
  ) {
    this.#onHandlerError = onHandlerError;
    this.#onParked = onParked;
    this.#turnBudgetMs = turnBudgetMs;
  }

  /** Whether a handler has been registered. */
  get hasHandler(): boolean {
    return this.#handler !== undefined;
  }

  /** Sets (or replaces) the handler and releases a message that was waiting for one. */
  setHandler(handler: MessageHandler): void {
    this.#handler = handler;
    const parked = this.#parked;
    if (parked !== undefined) {
      this.#parked = undefined;
      this.handleMessage(parked.packet, parked.done);
    }
  }

  /** The mqtt.js hook; never throws, always ends with `done()` (so even failures are acked). */
  readonly handleMessage = (packet: IPublishPacket, done: Done): void => {
    const handler = this.#handler;
    if (handler === undefined) {
      this.#parked = { packet, done };
      this.#onParked();
      return;
    }
    this.received++;
    if (this.#turnStartedMs === undefined) this.#startTurn();
    const { topic } = packet;
    const info: MessageInfo = {
      qos: packet.qos as QoS,
      retain: packet.retain,
      dup: packet.dup,
      messageId: packet.messageId,
      properties: packet.properties as Record<string, unknown> | undefined,
    };
    let result: unknown;
    try {
      result = handler(topic, packet.payload as Buffer, info);
    } catch (error) {
      this.#failed(topic, error);
      this.#release(done);
      return;
    }
    if (
      result !== null &&
      typeof result === "object" &&
      typeof (result as PromiseLike<unknown>).then === "function"
    ) {
      let finished = false;
      const finish = (error: unknown, failed: boolean): void => {
        if (finished) return;
        finished = true;
        if (failed) this.#failed(topic, error);
        this.#release(done);
      };
      try {
        (result as PromiseLike<unknown>).then(
          () => finish(undefined, false),
          (error: unknown) => finish(error, true),
        );
      } catch (error) {
        finish(error, true);
      }
      return;
    }
    this.#release(done);
  };

  /** Notes this turn's first message; the turn ends with the check phase that follows. */
  #startTurn(): void {
    this.#turnStartedMs = performance.now();
    setImmediate(this.#endTurn);
  }

  readonly #endTurn = (): void => {
    this.#turnStartedMs = undefined;
  };

  /**
   * Lets mqtt.js go on to the next packet: now, or in a later turn once this turn's messages
   * have taken the budget (a handler that settled after its turn ended counts as a new turn).
   */
  #release(done: Done): void {
    const startedMs = this.#turnStartedMs;
    if (startedMs === undefined || performance.now() - startedMs < this.#turnBudgetMs) {
      done();
      return;
    }
    this.turnsYielded++;
    setImmediate(done);
  }

  #failed(topic: string, error: unknown): void {
    this.handlerErrors++;
    const reason = error instanceof Error ? error.message : String(error);
    this.#onHandlerError(
      new MqttAdapterError(
        "HANDLER_FAILED",
        `the message handler failed on ${JSON.stringify(topic)}: ${reason}; the message was acknowledged and will not be redelivered`,
        { cause: error },
      ),
    );
  }
}
