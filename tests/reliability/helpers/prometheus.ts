/** Prometheus text exposition, as `name{labels}` → value (labels exactly as the server wrote them). */
export type MetricSamples = Map<string, number>;

/** Parses the Prometheus text format (comments skipped). */
export function parseMetrics(text: string): MetricSamples {
  const samples: MetricSamples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** One sample, 0 when absent (a counter that never moved is not exported with its label). */
export function sample(
  samples: MetricSamples,
  name: string,
  labels?: Record<string, string>,
): number {
  const key =
    labels === undefined
      ? name
      : `${name}{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(",")}}`;
  return samples.get(key) ?? 0;
}

/** Every value of a one-label metric, by label value: `{ INVALID_JSON: 3, unplaced: 1 }`. */
export function byLabel(
  samples: MetricSamples,
  name: string,
  label: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  const prefix = `${name}{${label}="`;
  for (const [key, value] of samples) {
    if (key.startsWith(prefix) && key.endsWith('"}')) out[key.slice(prefix.length, -2)] = value;
  }
  return out;
}

/** The sum of an object's values. */
export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
