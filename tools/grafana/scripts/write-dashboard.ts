/**
 * Writes deploy/grafana/dashboards/coreflux-energy.json from the typed builder (`pnpm write`).
 * test/dashboard-json.test.ts fails until the committed file equals what the builder produces.
 */
import { writeFileSync } from "node:fs";
import { DASHBOARD_FILE, dashboardJson } from "../src";

writeFileSync(DASHBOARD_FILE, dashboardJson());
console.log(`wrote ${DASHBOARD_FILE}`);
