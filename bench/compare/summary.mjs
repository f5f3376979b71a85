// The closing summary of `npm run bench:compare`: every figure side by side, then Errand's ratio to
// each peer's best configuration. Printed as Markdown tables so the README can quote a run as is.

export const COMPARED_METRICS = [
  "enqueue_seq",
  "enqueue_concurrent_c50",
  "enqueue_bulk",
  "process_c1",
  "process_c10",
  "process_c50",
  "latency_p50",
  "latency_p95",
  "latency_p99",
];
const PEERS = ["graphile-worker", "pg-boss", "bullmq"];

const key = (system, config) => `${system}/${config}`;

/** A Markdown table: the first column (names) is left-aligned, `textColumns` too, figures right. */
function table(header, rows, textColumns = 0) {
  const align = (i) => (i === 0 || i >= header.length - textColumns ? "---" : "---:");
  const out = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => align(i)).join("|")}|`];
  for (const row of rows) out.push(`| ${row.join(" | ")} |`);
  return out.join("\n");
}

const fmt = (v) => (v === undefined ? "—" : v >= 100 ? Math.round(v).toLocaleString("en-US") : String(v));

/** One line per system × config × metric: the median of its rounds' values (of an even count, the mean of the middle two). */
export function medians(lines) {
  const groups = new Map();
  for (const line of lines) {
    const id = `${key(line.system, line.config)}:${line.metric}`;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(line);
  }
  return [...groups.values()].map((group) => {
    const values = group.map((l) => l.value).sort((a, b) => a - b);
    const mid = values.length >> 1;
    const value = values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    const { round: _round, ...line } = group[0];
    return { ...line, value: Math.round(value * 10) / 10 };
  });
}

/** `lines` are one figure per system × config × metric (medians() of the rounds); returns the summary text. */
export function formatSummary(lines, rounds = 1) {
  const value = new Map(lines.map((l) => [`${key(l.system, l.config)}:${l.metric}`, l.value]));
  const unit = new Map(lines.map((l) => [l.metric, l.unit]));
  const columns = [...new Set(lines.map((l) => key(l.system, l.config)))];
  const figures = table(
    ["metric", "unit", ...columns],
    COMPARED_METRICS.map((m) => [m, unit.get(m) ?? "", ...columns.map((c) => fmt(value.get(`${c}:${m}`)))]),
  );
  const ratio = (m, peer) => {
    const errand = value.get(`errand/default:${m}`);
    const best = value.get(`${peer}/best:${m}`);
    return errand === undefined || best === undefined || best === 0 ? "—" : `${(errand / best).toFixed(2)}×`;
  };
  const reads = (m) => (unit.get(m) === "ms" ? "below 1 = Errand faster (lower latency)" : "above 1 = Errand faster (more jobs/s)");
  const ratios = table(
    ["metric", ...PEERS.map((p) => `Errand ÷ ${p} best`), "reads"],
    COMPARED_METRICS.map((m) => [m, ...PEERS.map((p) => ratio(m, p)), reads(m)]),
    1,
  );
  const over = rounds > 1 ? ` (median of ${rounds} rounds)` : "";
  return `\n## Figures${over}\n\n${figures}\n\n## Errand ÷ each peer's best config${over}\n\n${ratios}\n${commitFloor(value, over)}`;
}

/** Errand's latency beside a bare durable INSERT's commit (commit-floor.mjs), when both ran. */
function commitFloor(value, over) {
  const metrics = ["latency_p50", "latency_p95", "latency_p99"];
  const rows = metrics
    .map((m) => [m, value.get(`errand/default:${m}`), value.get(`postgres-commit/default:${m}`)])
    .filter(([, errand, floor]) => errand !== undefined && floor !== undefined);
  if (rows.length === 0) return "";
  const floorTable = table(
    ["metric", "Errand, ms", "one-row INSERT commit, ms", "Errand ÷ commit"],
    rows.map(([m, errand, floor]) => [m, fmt(errand), fmt(floor), floor === 0 ? "—" : `${(errand / floor).toFixed(2)}×`]),
  );
  return `\n## Errand's latency ÷ one durable commit on the same PostgreSQL${over}\n\n${floorTable}\n`;
}
