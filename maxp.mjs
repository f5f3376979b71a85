const port = process.argv[2];
async function post(body, raw) { const r = await fetch(`http://127.0.0.1:${port}/v1/batches`, { method: "POST", headers: { "content-type": "application/json" }, body: raw ?? JSON.stringify(body) }); const t = await r.text(); return `${r.status} ${t.slice(0, 300)}`; }
const pad = (n) => ({ s: "x".repeat(n - JSON.stringify({ s: "" }).length) });
console.log("oc payload exactly 1MiB:", await post({ jobs: [{ type: "ok" }], on_complete: { type: "report", payload: pad(1048576) } }));
console.log("oc payload 1MiB+1:", await post({ jobs: [{ type: "ok" }], on_complete: { type: "report", payload: pad(1048577) } }));
console.log("member payload 1MiB+1:", await post({ jobs: [{ type: "ok" }, { type: "ok", payload: pad(1048577) }], on_complete: { type: "report" } }));
console.log("oc __proto__:", await post(null, '{"jobs":[{"type":"ok"}],"on_complete":{"type":"report","payload":{"__proto__":{"completed":1}}}}'));
console.log("member constructor.prototype:", await post(null, '{"jobs":[{"type":"ok","payload":{"constructor":{"prototype":{"x":1}}}}],"on_complete":{"type":"report"}}'));
let deep = { completed_not: 1 }; for (let i = 0; i < 31; i++) deep = { d: deep };
console.log("oc 32 deep:", await post({ jobs: [{ type: "ok" }], on_complete: { type: "report", payload: deep } }));
