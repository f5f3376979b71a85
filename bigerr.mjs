const [port, n] = [process.argv[2], +process.argv[3]];
async function post(body) { const r = await fetch(`http://127.0.0.1:${port}/v1/batches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }); const t = await r.text(); return `${r.status} ${t.slice(0, 250)}`; }
async function count() { let c = 0, cur = null; do { const r = await (await fetch(`http://127.0.0.1:${port}/v1/jobs?limit=1000${cur ? "&cursor=" + cur : ""}`)).json(); c += r.jobs.length; cur = r.next_cursor; } while (cur); return c; }
const base = () => Array.from({ length: n }, () => ({ type: "ok" }));
const before = await count();
let j = base(); j[n - 1] = { type: "ok", delay_ms: -1 }; console.log("last delay -1:", await post({ jobs: j, on_complete: { type: "report" } }));
j = base(); j[n - 1] = { type: "nope" }; console.log("last unknown type:", await post({ jobs: j, on_complete: { type: "report" } }));
j = base(); j[n - 1] = { type: "ok", group_concurrency: 2 }; console.log("last lib err:", await post({ jobs: j, on_complete: { type: "report" } }));
j = base(); j[n - 1] = { type: "ok", delay_ms: 5, run_at: "2030-01-01T00:00:00Z" }; console.log("last lib err2:", await post({ jobs: j, on_complete: { type: "report" } }));
j = base(); console.log("oc payload completed:", await post({ jobs: j, on_complete: { type: "report", payload: { completed: 0 } } }));
console.log(`jobs before=${before} after=${await count()}`);
