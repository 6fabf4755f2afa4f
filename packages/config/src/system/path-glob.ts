import { z } from "zod";
import { topicSafe } from "./fields";

const MESSAGE =
  'must be a glob over "Office/Room/Device" ("*" one level, "**" any depth), e.g. "Porto/**"';

/**
 * A message when `glob` cannot match a device path, else undefined: segments are non-empty,
 * `**` stands alone in its segment, and without `**` there are exactly three segments.
 */
function globProblem(glob: string): string | undefined {
  const segments = glob.split("/");
  if (segments.some((s) => s === "" || !topicSafe(s) || (s.includes("**") && s !== "**")))
    return MESSAGE;
  const fixed = segments.filter((s) => s !== "**").length;
  if (fixed > 3 || (fixed < 3 && !segments.includes("**")))
    return `matches no device: device paths are "Office/Room/Device" (end with "/**" for everything below)`;
  return undefined;
}

/** A path glob of `match` or `except`: `*` matches one level, `**` any number of levels. */
export const pathGlob = z.string().superRefine((glob, ctx) => {
  const message = globProblem(glob);
  if (message !== undefined) ctx.addIssue({ code: "custom", message });
});
