/** Thrown by `startService` for problems that stop the start (exit code 1). */
export class StartupError extends Error {
  override readonly name = "StartupError";
}
