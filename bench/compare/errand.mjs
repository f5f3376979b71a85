// Errand on PostgreSQL, in the same Node as the peers, with the workloads of bench/errand-workloads.mjs
// and the fresh-schema-per-workload helper of bench/postgres.mjs (each dropped when its phase ends,
// as the peers' are). Its lines carry no `config`; run.mjs labels them "default", Errand's only
// configuration. Only the compared metrics run: the others (batch handlers, flows,
// claim_with_1m_finished) have no counterpart among the peers and are left to `npm run bench`.
import { runErrandWorkloads } from "../errand-workloads.mjs";
import { postgresSchemas } from "../postgres.mjs";
import { COMPARED_METRICS } from "./summary.mjs";

const n = Number(process.env.BENCH_N ?? 20_000);
const schemas = postgresSchemas();

try {
  await runErrandWorkloads({ store: "postgres", stores: schemas, n, metrics: COMPARED_METRICS });
} catch (err) {
  process.stderr.write(`[errand] not measured on PostgreSQL: ${err.message}\n`);
  process.exitCode = 2;
} finally {
  await schemas.dropAll();
}
