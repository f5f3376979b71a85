// The outbox on PostgreSQL, end to end:
//   npm run build && node examples/signup-outbox.mjs postgres://localhost:5432/app
// A signup writes its user and enqueues the welcome email in one transaction of the app's own,
// so there is never a user without the email job, nor a job for a user that was rolled back.
// The job then marks the user welcomed in the transaction its completion commits in.
// It creates a table signup_example_users (search_path's schema) and drops it at the end.
import pg from "pg";
import { Errand } from "errand";

const url = process.argv[2] ?? process.env.ERRAND_DATABASE_URL;
if (!url?.startsWith("postgres")) {
  console.error("usage: node examples/signup-outbox.mjs postgres://user@host:5432/db[?schema=errand]");
  process.exit(2);
}
const errand = await Errand.connect(url);
// Errand's `?schema=` is its own; the app's pool connects without it.
const appUrl = new URL(url);
appUrl.searchParams.delete("schema");
const pool = new pg.Pool({ connectionString: appUrl.toString() });
await pool.query("CREATE TABLE IF NOT EXISTS signup_example_users (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, welcomed_at timestamptz)");

const sendWelcome = errand.define("send-welcome", {
  queue: "signup-example",
  // The provider call would go here; the user row is marked in the completion's transaction, so
  // the mark and the job's `completed` commit together or not at all.
  handler: async ({ userId, email }, ctx) =>
    ctx.completeInTransaction(async (tx) => {
      await tx.query("UPDATE signup_example_users SET welcomed_at = now() WHERE id = $1", [userId]);
      return { welcomed: email };
    }),
});

/** The app's signup: the user and its welcome job commit together. */
async function signUp(email, { failBeforeCommit = false } = {}) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query("INSERT INTO signup_example_users (email) VALUES ($1) RETURNING id", [email]);
    const job = await sendWelcome.enqueue({ userId: rows[0].id, email }, { tx: client });
    if (failBeforeCommit) throw new Error("the signup failed after its insert");
    await client.query("COMMIT");
    return job;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

try {
  const job = await signUp("ada@example.com");
  console.log(`ada: committed; welcome job ${job.id} enqueued in the same transaction`);
  const refused = await signUp("bob@example.com", { failBeforeCommit: true }).catch((error) => error);
  const bobRows = (await pool.query("SELECT count(*)::int AS n FROM signup_example_users WHERE email = $1", ["bob@example.com"])).rows[0].n;
  const bobJobs = (await errand.listJobs({ type: "send-welcome" })).jobs.filter((j) => j.payload.email === "bob@example.com").length;
  console.log(`bob: rolled back (${refused.message}); users: ${bobRows}, welcome jobs: ${bobJobs}`);

  errand.work({ queues: ["signup-example"] });
  let done = await errand.getJob(job.id);
  while (done.state !== "completed" && done.state !== "failed") {
    await new Promise((r) => setTimeout(r, 50));
    done = await errand.getJob(job.id);
  }
  const { welcomed_at } = (await pool.query("SELECT welcomed_at FROM signup_example_users WHERE email = $1", ["ada@example.com"])).rows[0];
  console.log(`ada's job ${done.state}: ${JSON.stringify(done.result)}; marked welcomed: ${welcomed_at !== null}`);
} finally {
  await errand.close();
  await pool.query("DROP TABLE IF EXISTS signup_example_users");
  await pool.end();
}
