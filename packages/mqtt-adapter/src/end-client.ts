import type { MqttClient as MqttJsClient } from "mqtt";

const noop = (): void => {};

/** Waits for `promise` until the wall-clock `deadlineMs` (epoch ms); true if it settled in time. */
export async function withDeadline(
  promise: Promise<unknown>,
  deadlineMs: number,
): Promise<boolean> {
  const remainingMs = deadlineMs - Date.now();
  if (remainingMs <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), remainingMs);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends an mqtt.js client: a DISCONNECT when `graceful`, otherwise the socket is destroyed; past
 * `deadlineMs` (epoch ms) the socket is destroyed whatever mqtt.js is waiting for (an
 * acknowledgement that will not come). Afterwards the client holds no listener, timer or socket.
 */
export function endClient(
  client: MqttJsClient,
  graceful: boolean,
  deadlineMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      client.removeAllListeners();
      client.on("error", noop); // a late socket error must still find a listener
      resolve();
    };
    const timer = setTimeout(
      () => {
        client.stream?.destroy();
        setImmediate(finish);
      },
      Math.max(0, deadlineMs - Date.now()),
    );
    client.end(!graceful, {}, finish);
  });
}
