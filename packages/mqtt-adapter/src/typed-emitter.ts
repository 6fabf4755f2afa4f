/** Removes the listener it was returned for. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * A minimal typed event emitter with one payload per event. Unlike Node's EventEmitter, an
 * `error` event without a listener does not throw, and a listener that throws does not unwind
 * into the MQTT machinery: the exception goes to `onListenerError`. Both matter because events
 * are emitted from socket callbacks, where a throw would crash the process.
 */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  readonly #onListenerError: (error: unknown, event: string) => void;

  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): Unsubscribe {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Whether anyone listens, so callers can skip building a payload nobody reads. */
  hasListeners(event: keyof Events): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  /** Calls every listener of `event` in order of registration; never throws. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.#onListenerError(error, String(event));
      }
    }
  }

  /** Drops every listener (after `close()`), so the client holds no references to callers. */
  clear(): void {
    this.#listeners.clear();
  }
}
