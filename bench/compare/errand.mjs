// Errand on PostgreSQL, in the same Node as the peers, with the workloads of bench/errand-workloads.mjs
// and the fresh-schema-per-workload helper of bench/postgres.mjs (schemas dropped at the end).
// Its lines carry no `config`; run.mjs labels them "default", Errand's only configuration.
// claim_with_1m_finished is left to `npm run bench`: no peer has a counterpart in this comparison.
import { runErrandWorkloads } from "../errand-workloads.mjs";
import { postgresSchemas } from "../postgres.mjs";

const n = Number(process.env.BENCH_N ?? 20_000);
const schemas = postgresSchemas();

try {
  await runErrandWorkloads({ store: "postgres", freshUrl: schemas.freshUrl, n });
} catch (err) {
  process.stderr.write(`[errand] not measured on PostgreSQL: ${err.message}\n`);
  process.exitCode = 2;
} finally {
  await schemas.dropAll();
}
