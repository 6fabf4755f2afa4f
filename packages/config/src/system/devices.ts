import { z } from "zod";
import { segment, topicSafe } from "./fields";

const devicePlacement = z.strictObject({
  /** A device's topic prefix (`shellies/shellyplug-s-7AD4B1`) or its Shelly id. */
  match: z
    .string()
    .min(1)
    .refine(topicSafe, "must be a topic prefix or a Shelly id, without wildcards"),
  /** Where the device sits: "Office/Room/Device". */
  path: z
    .string()
    .refine(
      (p) => p.split("/").length === 3 && p.split("/").every((s) => segment.safeParse(s).success),
      {
        message: 'must be "Office/Room/Device" (three non-empty segments)',
      },
    ),
});

/** `[[devices]]`: devices whose topic does not place them in the tree, placed by hand. */
export const devicesTable = z.array(devicePlacement).default([]);
