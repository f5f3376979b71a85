/** One JSON line per figure, the shape tools read: {"store","system","metric","value","unit"}. */
export function report(fields) {
  const { store, system, config, metric, value, unit } = fields;
  const line = config === undefined ? { store, system, metric, value: round(value), unit } : { store, system, config, metric, value: round(value), unit };
  process.stdout.write(JSON.stringify(line) + "\n");
}

const round = (v) => Math.round(v * 10) / 10;

export function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
