import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { Errand } from "../../src/errand.js";
import { ErrandMetrics } from "../../src/metrics/errand-metrics.js";
import { postgresFactory, proxiedPostgresUrl } from "../helpers/postgres-factory.js";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus-text.js";

const factory = await postgresFactory();

describe.runIf(factory)("ErrandMetrics when PostgreSQL stops answering", () => {
  it("answers within storeTimeoutMs with errand_store_up 0 and the process's own metrics, scrape after scrape", async () => {
    const { url, proxy } = await proxiedPostgresUrl(factory!);
    const errand = await Errand.connect(url, { logger: pino({ level: "silent" }) });
    const metrics = new ErrandMetrics(errand, { storeTimeoutMs: 300 });
    try {
      await errand.enqueue("ping", {});
      expect(sampleValue(parsePrometheusText(await metrics.metrics()), "errand_store_up")).toBe(1);
      // Connections stay open but nothing comes back: a count query would wait forever.
      proxy.freeze();
      for (let scrape = 0; scrape < 2; scrape++) {
        const samples = parsePrometheusText(await metrics.metrics());
        expect(sampleValue(samples, "errand_store_up")).toBe(0);
        expect(sampleValue(samples, "errand_jobs_enqueued_total", { queue: "default", type: "ping" })).toBe(1);
        expect(samples.filter((s) => s.name === "errand_jobs")).toEqual([]);
      }
    } finally {
      metrics.close();
      await proxy.shut();
      await errand.close().catch(() => {});
    }
  });
});
