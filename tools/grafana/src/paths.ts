import { fileURLToPath } from "node:url";

/** The dashboard JSON that Grafana provisions or imports, in the repository's deploy/grafana. */
export const DASHBOARD_FILE = fileURLToPath(
  new URL("../../../deploy/grafana/dashboards/coreflux-energy.json", import.meta.url),
);
