// The automatism as a library, for a process that runs it beside something else (the
// aggregator's demo). The service itself is `coreflux-automatism` (src/cli.ts).
export { type AutomatismService, AutomatismStartError, startAutomatism } from "./service";
export { automationOptions, ORIGINAL_RULE } from "./settings";
