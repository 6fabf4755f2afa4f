import { rename, writeFile } from "node:fs/promises";
import { ShellySimulatorError } from "../errors";

/** Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, "utf8");
    await rename(tmp, path);
  } catch (cause) {
    throw new ShellySimulatorError(
      "WRITE_FAILED",
      `cannot write ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
