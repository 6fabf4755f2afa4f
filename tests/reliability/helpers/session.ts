import mqtt from "mqtt";

/**
 * Ends the persistent session a test's aggregator left on a broker: a clean connection with the
 * same client id discards it (and its queue), so the shared broker does not keep it forever.
 */
export async function discardSession(url: string, clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  await client.endAsync();
}
