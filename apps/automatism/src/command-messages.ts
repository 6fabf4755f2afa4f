import type { SwitchOffCommand } from "@coreflux/automation";
import type { KnownDevice } from "./device-directory";

/** How Gen2+ devices are commanded (`[automatism] command`). */
export type CommandStyle = "simple" | "rpc";

/** An MQTT message that switches a channel off, and the RPC id to expect an answer for. */
export interface CommandMessage {
  topic: string;
  payload: string;
  rpcId: number | undefined;
}

/**
 * The message that switches `command`'s channel off on `device`:
 * - Gen1: `shellies/<id>/relay/<n>/command` `off`;
 * - Gen2+, simple: `<prefix>/command/switch:<n>` `off` (what the original sent);
 * - Gen2+, rpc: `Switch.Set` on `<prefix>/rpc`, the answer to `<clientId>/rpc`.
 */
export function commandMessage(
  command: SwitchOffCommand,
  device: KnownDevice,
  style: CommandStyle,
  clientId: string,
  rpcId: number,
): CommandMessage {
  if (device.generation === 1) {
    return {
      topic: `${device.prefix}/relay/${command.channel}/command`,
      payload: "off",
      rpcId: undefined,
    };
  }
  if (style === "simple") {
    return {
      topic: `${device.prefix}/command/switch:${command.channel}`,
      payload: "off",
      rpcId: undefined,
    };
  }
  return {
    topic: `${device.prefix}/rpc`,
    payload: JSON.stringify({
      id: rpcId,
      src: clientId,
      method: "Switch.Set",
      params: { id: command.channel, on: false },
    }),
    rpcId,
  };
}

/** The switch channel of a reading's component (`switch:2` → 2, Gen1 `relay:0` → 0), if it is one. */
export function switchChannel(component: string): number | undefined {
  const m = /^(?:switch|relay):(\d+)$/.exec(component);
  return m === null ? undefined : Number(m[1]);
}
