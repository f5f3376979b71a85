import { pino } from "pino";
import type { Browser, BrowserContext, Locator, Page, Response, Route } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/server/auth.js";
import { ErrandServer } from "../../src/server/server.js";
import { launchChromium } from "../helpers/browser.js";
import { http, startServer, type RunningServer } from "../helpers/http-server.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

const READ_WRITE = "dashboard-read-write-token";

/** The web dashboard in a real Chromium against a real server on `factory`'s store. */
export function describeDashboard(factory: StoreFactory): void {
  describe(`dashboard in a browser: ${factory.name}`, () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let s: RunningServer | null = null;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());
    afterEach(async () => {
      await context?.close();
      await s?.close();
      s = null;
      expect(pageErrors.splice(0)).toEqual([]); // no uncaught script error on any page (emptied: each test answers for its own)
    });

    async function open(options: Parameters<typeof startServer>[1] = {}): Promise<RunningServer> {
      s = await startServer(factory, options);
      context = await browser.newContext();
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (error) => pageErrors.push(error.message));
      return s;
    }

    const goto = (server: RunningServer, hash: string) => page.goto(`${server.url}/dashboard/${hash}`);

    it("Queues shows each queue's real counts per state; Pause pauses the queue and Resume resumes it", async () => {
      const server = await open({ worker: false });
      for (let i = 0; i < 3; i++) await server.errand.enqueue("echo", { i }, { queue: "mail" });
      await server.errand.enqueue("echo", {}, { queue: "reports", delayMs: 60_000 });
      await goto(server, "#/queues");

      const mail = queueRow("mail");
      await textBecomes(mail.locator('[data-count="pending"]'), "3");
      await textBecomes(queueRow("reports").locator('[data-count="scheduled"]'), "1");
      expect(await queueRow("reports").locator('[data-count="pending"]').textContent()).toBe("0");

      await mail.locator('button[data-action="pause"]').click();
      await waitFor(async () => (await server.errand.store.listPausedQueues()).includes("mail"), { what: "mail paused in the store" });
      await textBecomes(mail.locator("td").nth(1), "paused");
      await mail.locator('button[data-action="resume"]').click();
      await waitFor(async () => !(await server.errand.store.listPausedQueues()).includes("mail"), { what: "mail resumed in the store" });
      await textBecomes(mail.locator("td").nth(1), "active");
    });

    it("Dead letters lists a failed job; its page shows the attempt's error, and Retry puts it back to pending", async () => {
      const server = await open({ worker: false });
      const worker = server.errand.work({ queues: server.errand.handledQueues(), pollIntervalMs: 20 });
      const failed = await server.errand.enqueue("fail", {});
      const ok = await server.errand.enqueue("echo", {});
      await waitFor(async () => (await server.errand.getJob(failed.id))?.state === "failed", { what: "the job failed" });
      await waitFor(async () => (await server.errand.getJob(ok.id))?.state === "completed", { what: "the other job completed" });
      await worker.close();

      await goto(server, "#/queues");
      await page.getByRole("link", { name: "Dead letters" }).click();
      const rows = page.locator("table.jobs tbody tr");
      await textBecomes(rows.first().locator("td").first(), failed.id);
      expect(await rows.count()).toBe(1); // the completed job is not a dead letter
      expect(await page.locator('select[name="state"]').inputValue()).toBe("failed");

      await rows.first().getByRole("link", { name: failed.id }).click();
      await textBecomes(page.locator("table.errors tbody td").nth(3), "always fails");
      await page.locator('button[data-action="retry"]').click();
      await waitFor(async () => (await server.errand.getJob(failed.id))?.state === "pending", { what: "the job pending again" });
      await textBecomes(page.locator("h1 .state"), "pending");
      expect(await page.locator('button[data-action="cancel"]').count()).toBe(1);
    });

    it("Dead letters' Retry button replays every failed job, past the page shown, once confirmed; Cancel does so for waiting ones", async () => {
      const server = await open({ worker: false });
      const worker = server.errand.work({ queues: server.errand.handledQueues(), pollIntervalMs: 20 });
      // More than the 50 a page shows.
      const failed = await server.errand.enqueueMany(Array.from({ length: 55 }, () => ({ type: "fail", payload: {} })));
      const allIn = (state: string) => async () => (await Promise.all(failed.map((j) => server.errand.getJob(j.id)))).every((j) => j?.state === state);
      await waitFor(allIn("failed"), { what: "the jobs failed" });
      await worker.close();

      await goto(server, "#/jobs?state=failed&type=fail");
      await textBecomes(page.locator("table.jobs tbody tr").first().locator("td").first(), failed.at(-1)!.id);
      const button = page.locator('button[data-action="retry-all"]');
      expect(await button.textContent()).toBe("Retry every failed job of type fail");
      page.once("dialog", (dialog) => void dialog.dismiss()); // declined: nothing replayed
      await button.click();
      expect(await page.locator('[data-outcome="retry-all"]').textContent()).toBe("");
      expect(await allIn("failed")()).toBe(true);
      page.once("dialog", (dialog) => void dialog.accept());
      await button.click();
      await textBecomes(page.locator('[data-outcome="retry-all"]'), "Replayed 55.");
      expect(await allIn("pending")()).toBe(true);
      await textBecomes(page.locator("main p.muted").last(), "No jobs match.");
      // A filter the API refuses: its error shows, and the count says it stopped there.
      await goto(server, "#/jobs?state=failed&type=no%20such%20type");
      page.once("dialog", (dialog) => void dialog.accept());
      await page.locator('button[data-action="retry-all"]').click();
      await textBecomes(page.locator('[data-outcome="retry-all"]'), "Replayed 0 before the error above.");
      expect(await page.locator("#banner").textContent()).toContain("type");
      // The replayed jobs wait again (no worker): the pending list offers to cancel them all.
      await goto(server, "#/jobs?state=pending&type=fail");
      const cancelAll = page.locator('button[data-action="cancel-all"]');
      await textBecomes(cancelAll, "Cancel every pending job of type fail");
      page.once("dialog", (dialog) => void dialog.accept());
      await cancelAll.click();
      await textBecomes(page.locator('[data-outcome="cancel-all"]'), "Canceled 55.");
      expect(await allIn("canceled")()).toBe(true);
    });

    it("a hidden tab stops refreshing, and reads again the moment it is shown", async () => {
      const server = await open();
      let reads = 0;
      page.on("request", (r) => void (new URL(r.url()).pathname === "/v1/queues" && reads++));
      await goto(server, "#/queues");
      await waitFor(() => reads >= 1, { what: "the first read" });
      const setHidden = (hidden: boolean) =>
        page.evaluate((h) => {
          Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
          document.dispatchEvent(new Event("visibilitychange"));
        }, hidden);
      await setHidden(true);
      const before = reads;
      await new Promise((r) => setTimeout(r, 3_500)); // past the view's 3 s refresh: a negative, nothing may happen
      expect(reads).toBe(before);
      await setHidden(false);
      await waitFor(() => reads > before, { what: "a read once shown", timeoutMs: 1_000 });
    });

    it("a long error message without spaces wraps within the page, in the list and on the job's page", async () => {
      const server = await open();
      const message = `provider answered 400: ${JSON.stringify({ detail: "x".repeat(3_000) })}`;
      const job = await server.errand.enqueue("fail", { message });
      await waitFor(async () => (await server.errand.getJob(job.id))?.state === "failed", { what: "the job failed" });
      const widthFits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      await goto(server, "#/jobs?state=failed");
      await textBecomes(page.locator("table.jobs tbody tr").first().locator("td").first(), job.id);
      expect(await widthFits()).toBe(true);
      await goto(server, `#/jobs/${job.id}`);
      await page.locator("table.errors").waitFor();
      expect(await widthFits()).toBe(true);
      expect(await page.locator("table.errors .error-text").textContent()).toBe(message); // all of it, on the job's page
    });

    it("the Jobs list and its Cancel-all read no payloads or results: a page of large jobs stays small", async () => {
      const server = await open({ worker: false });
      const big = { blob: "x".repeat(200_000) };
      const jobs = await server.errand.enqueueMany(Array.from({ length: 5 }, () => ({ type: "fail", payload: big })));
      const sizes: number[] = [];
      const reading: Promise<unknown>[] = [];
      // Each body read caught: one still on its way when the page closes must not outlive the test.
      const onResponse = (r: Response) => {
        if (new URL(r.url()).pathname.startsWith("/v1/jobs")) reading.push(r.body().then((b) => sizes.push(b.length), () => undefined));
      };
      page.on("response", onResponse);
      const listed = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/jobs");
      await goto(server, "#/jobs?state=pending&type=fail");
      await listed;
      await textBecomes(page.locator("table.jobs tbody tr").first().locator("td").first(), jobs.at(-1)!.id);
      page.once("dialog", (dialog) => void dialog.accept());
      await page.locator('button[data-action="cancel-all"]').click();
      await textBecomes(page.locator('[data-outcome="cancel-all"]'), "Canceled 5.");
      await waitFor(() => sizes.length >= 2, { what: "the list's and the change's answers read" });
      page.off("response", onResponse);
      await Promise.all(reading);
      // Five jobs of 200 KB each: a megabyte had the payloads come along.
      for (const size of sizes) expect(size).toBeLessThan(20_000);
    });

    it("a running job's page shows its progress changing live, then its final state and result, without a reload", async () => {
      const server = await open();
      const job = await server.errand.enqueue("steps", { steps: 10, ms: 150 });
      await goto(server, `#/jobs/${job.id}`);
      await page.evaluate("window.__sameDocument = true");
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const text = (await page.locator("main .progress-text").textContent()) ?? "";
          seen.add(text);
          return /^[1-9]\d%$/.test(text) && text;
        },
        { what: "progress between 10% and 99%" },
      );
      await textBecomes(page.locator("h1 .state"), "completed");
      expect(await page.locator("main .progress-text").textContent()).toBe("100%");
      expect(await section("Result").textContent()).toContain('"done": 10');
      expect(await page.evaluate("window.__sameDocument")).toBe(true);
      expect([...seen].some((text) => /^[1-9]\d%$/.test(text))).toBe(true);
    });

    it("a flow's page lists its nodes parents first with their states, reached from a node's job; Cancel flow ends what still runs", async () => {
      const server = await open({ worker: false });
      const e = server.errand;
      const worker = e.work({ queues: e.handledQueues(), pollIntervalMs: 20 });
      const flow = await e.enqueueFlow({
        report: { job: { type: "echo", payload: {} }, after: ["broken", "wait"] },
        wait: { job: { type: "hold", payload: {} }, after: ["fetch"] },
        broken: { job: { type: "fail", payload: {} }, after: ["fetch"] },
        fetch: { job: { type: "echo", payload: { url: "/a" } } },
      });
      const stateOf = async (node: string) => (await e.getFlow(flow.id))!.nodes[node]!.job.state;
      await waitFor(async () => (await stateOf("wait")) === "running" && (await stateOf("broken")) === "failed", { what: "wait running, broken failed" });

      await goto(server, `#/jobs/${flow.nodes.fetch!.job.id}`);
      await page.locator('td[data-field="flow_id"] a').click();
      await textBecomes(page.locator("h1 .state"), "running");
      const rows = page.locator("table.flow-nodes tbody tr");
      await textBecomes(rows.first().locator("td").first(), "fetch");
      const cells = async () => rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 5).map((td) => td.textContent ?? "")));
      expect(await cells()).toEqual([
        ["fetch", "–", flow.nodes.fetch!.job.id, "echo", "completed"],
        ["broken", "fetch", flow.nodes.broken!.job.id, "fail", "failed"],
        ["wait", "fetch", flow.nodes.wait!.job.id, "hold", "running"],
        ["report", "broken, wait", flow.nodes.report!.job.id, "echo", "canceled"],
      ]);
      expect(await rows.nth(1).locator(".error-text").textContent()).toBe("always fails");

      await page.locator('button[data-action="cancel-flow"]').click();
      await textBecomes(page.locator("h1 .state"), "failed"); // a node failed; the others ended
      expect(await stateOf("wait")).toBe("canceled");
      expect(await page.locator('button[data-action="cancel-flow"]').count()).toBe(0);
      await rows.nth(2).getByRole("link", { name: flow.nodes.wait!.job.id }).click();
      await textBecomes(page.locator("h1 .state"), "canceled");
      await worker.close();
    });

    it("a job, flow or batch that does not exist, a malformed id and a bad filter say so and are not asked for again", async () => {
      const server = await open({ worker: false });
      const cases = [
        ["#/flows/999999", "/v1/flows/999999", "Not found"],
        ["#/batches/abc", "/v1/batches/abc", "Not valid"],
        ["#/jobs/999999", "/v1/jobs/999999", "Not found"],
        ["#/jobs/abc", "/v1/jobs/abc", "Not valid"],
        ["#/jobs?state=bogus", "/v1/jobs", "Not valid"],
      ] as const;
      // One page each, side by side: an absence can only be waited out, past the refreshes (3 s
      // for flows and batches, 5 s for jobs; a job page's stream retries after 2 s).
      await Promise.all(
        cases.map(async ([hash, path, heading]) => {
          const tab = await context.newPage();
          tab.on("pageerror", (error) => pageErrors.push(error.message));
          const asked: string[] = [];
          tab.on("request", (r) => void (new URL(r.url()).pathname === path && asked.push(r.url())));
          await tab.goto(`${server.url}/dashboard/${hash}`);
          await textBecomes(tab.locator("main h1").last(), heading);
          await tab.waitForTimeout(5_500);
          expect(asked, hash).toHaveLength(1);
          expect(await tab.locator("main").textContent(), hash).not.toContain("Loading");
        }),
      );
    });

    it("a batch's page shows its members' counts as they end and links its onComplete job", async () => {
      const server = await open({ worker: false });
      const e = server.errand;
      const batch = await e.enqueueBatch(
        [{ type: "echo", payload: {} }, { type: "echo", payload: {} }, { type: "fail", payload: {} }],
        { onComplete: { type: "echo", payload: {} } },
      );
      await goto(server, `#/jobs/${batch.jobs[0]!.id}`);
      await page.locator('td[data-field="batch_id"] a').click();
      await textBecomes(page.locator("h1 .state"), "running");
      await textBecomes(page.locator('[data-count="not-ended"]'), "3");
      const worker = e.work({ queues: e.handledQueues(), pollIntervalMs: 20 });
      await textBecomes(page.locator("h1 .state"), "ended");
      expect(await page.locator('[data-count="completed"]').textContent()).toBe("2");
      expect(await page.locator('[data-count="failed"]').textContent()).toBe("1");
      expect(await page.locator('[data-count="not-ended"]').textContent()).toBe("0");
      await page.getByRole("link", { name: batch.onComplete.id }).click();
      await textBecomes(page.locator('td[data-field="type"]'), "echo");
      await worker.close();
    });

    it("with tokens configured, asks for one, then works with a jobs:read+jobs:write token; a missing scope is named", async () => {
      const server = await open({ tokens: [{ sha256: sha256Hex(READ_WRITE), scopes: ["jobs:read", "jobs:write"] }] });
      const held = await http(server.url, "POST", "/v1/jobs", { body: { type: "hold" }, token: READ_WRITE });
      expect(held.status).toBe(202);
      await goto(server, "#/queues");

      const form = page.locator("#token-form");
      await form.waitFor({ state: "visible" });
      await form.locator('input[name="token"]').fill("not-the-token");
      await form.locator('button[type="submit"]').click();
      await textBecomes(page.locator("#token-reason"), "The token was refused: unknown token");
      await form.locator('input[name="token"]').fill(READ_WRITE);
      await form.locator('button[type="submit"]').click();
      await textBecomes(queueRow("default").locator('[data-count="running"]'), "1");
      expect(await form.isVisible()).toBe(false);

      await queueRow("default").locator('button[data-action="pause"]').click(); // pause needs admin
      await textBecomes(page.locator("#banner"), 'Forbidden (forbidden): this token lacks the "admin" scope');
      expect(await server.errand.store.listPausedQueues()).toEqual([]);
      // The page's next refresh succeeds, and the refusal stays on screen: it is the click's answer.
      await page.waitForResponse((r) => r.url().endsWith("/v1/queues") && r.ok());
      await page.evaluate(() => new Promise(requestAnimationFrame));
      expect(await page.locator("#banner").textContent()).toBe('Forbidden (forbidden): this token lacks the "admin" scope');

      // The event stream takes the token too: a job's page follows it to its end.
      const steps = await http(server.url, "POST", "/v1/jobs", { body: { type: "steps", payload: { steps: 10, ms: 150 } }, token: READ_WRITE });
      await goto(server, `#/jobs/${steps.body.id}`);
      await textBecomes(page.locator("h1 .state"), "completed");
      expect(await form.isVisible()).toBe(false);

      // And the write routes: cancel the held job and watch it end.
      await goto(server, `#/jobs/${held.body.id}`);
      await page.locator('[data-live="true"]').waitFor();
      await page.locator('button[data-action="cancel"]').click();
      await textBecomes(page.locator("h1 .state"), "canceled");
      expect((await server.errand.getJob(held.body.id))?.state).toBe("canceled");
      await page.locator('button[data-action="retry"]').waitFor();
    });

    it("a 409 shows the API's message", async () => {
      const server = await open({ worker: false });
      const job = await server.errand.enqueue("echo", {});
      await page.route("**/events", () => {}); // the stream never answers, so the page cannot see what happens next
      await goto(server, `#/jobs/${job.id}`);
      await page.locator('button[data-action="cancel"]').waitFor();
      await server.errand.cancelJob(job.id); // ended behind the page's back
      await page.locator('button[data-action="cancel"]').click();
      await textBecomes(page.locator("#banner"), /^Error 409 \(\w+\): .+/);
    });

    it("Retry on the page of a job that retention deleted meanwhile says the job is gone and offers no action", async () => {
      const server = await open({ worker: false });
      const job = await server.errand.enqueue("echo", {});
      await server.errand.cancelJob(job.id);
      await goto(server, `#/jobs/${job.id}`);
      await page.locator('button[data-action="retry"]').waitFor();
      const store = await factory.open(server.databaseUrl);
      try {
        expect(await store.deleteEndedJobs({ state: "canceled", olderThanMs: null, keepNewest: 0, limit: 10 })).toBe(1);
      } finally {
        await store.close();
      }
      await page.locator('button[data-action="retry"]').click();
      await textBecomes(page.locator("#banner"), /^Error 404 \(\w+\): .+/);
      await page.locator("[data-gone]").waitFor();
      expect(await page.locator("button[data-action]").count()).toBe(0);
    });

    it("a page left while it still reads (a live job's stream, a flow's read on the way) never draws over the next one", async () => {
      const server = await open();
      const held = await server.errand.enqueue("hold", {});
      await waitFor(async () => (await server.errand.getJob(held.id))?.state === "running", { what: "the job running" });
      // Each header link, from a live job page: what only the new page draws, there for good.
      const landings: [string, Locator, string][] = [
        ["queues", queueRow("default").locator('[data-count="running"]'), "1"],
        ["jobs", page.locator("table.jobs tbody td").first(), held.id],
        ["dead", page.locator("main p.muted").last(), "No jobs match."],
        ["schedules", page.locator("main p.muted").last(), "No schedules: define one with errand.schedule() or PUT /v1/schedules/:name."],
      ];
      for (const [nav, landed, text] of landings) {
        await goto(server, `#/jobs/${held.id}`);
        await page.locator('[data-live="true"]').waitFor();
        await page.locator(`nav a[data-nav="${nav}"]`).click();
        await textBecomes(landed, text);
        expect(await page.locator('button[data-action="cancel"]').count(), nav).toBe(0);
      }

      // A flow's page left before its read is answered: the answer, when it comes, draws nothing.
      const flow = await server.errand.enqueueFlow({ wait: { job: { type: "hold", payload: {} } } });
      const flowRead = new Promise<Route>((resolve) => void page.route((url) => url.pathname.startsWith("/v1/flows/"), resolve));
      await goto(server, `#/flows/${flow.id}`);
      const route = await flowRead;
      await page.locator('nav a[data-nav="queues"]').click();
      await page.locator("table.queues").waitFor();
      const nextRefresh = page.waitForResponse((r) => r.url().endsWith("/v1/queues"));
      await route.continue();
      await nextRefresh; // 3 s later: the flow's answer has long been read
      await page.evaluate(() => new Promise(requestAnimationFrame));
      expect(await page.locator("main h1").allTextContents()).toEqual(["Queues"]);
      await textBecomes(queueRow("default").locator('[data-count="running"]'), "2");
    });

    it("an address with a malformed %-escape shows Not found, loaded directly or reached from another page", async () => {
      const server = await open({ worker: false });
      await server.errand.enqueue("echo", {});
      await goto(server, "#/jobs/%E0%A4%A");
      await textBecomes(page.locator("main h1"), "Not found");
      await goto(server, "#/queues");
      await textBecomes(queueRow("default").locator('[data-count="pending"]'), "1");
      await goto(server, "#/jobs/%");
      await textBecomes(page.locator("main h1"), "Not found");
      expect(await page.locator("main code").textContent()).toBe("#/jobs/%");
      expect(await page.locator("table.queues").count()).toBe(0);
    });

    it("a job page whose stream drops with the server says so, and says no more once the stream is live again", async () => {
      const first = await open();
      const held = await first.errand.enqueue("hold", {});
      await goto(first, `#/jobs/${held.id}`);
      await page.locator('[data-live="true"]').waitFor();
      // The server goes away (its Errand, working the job, stays) and comes back on the same store and port.
      const port = Number(new URL(first.url).port);
      await first.server.close();
      await textBecomes(page.locator("#banner"), "Error: Failed to fetch");
      const revived = new ErrandServer(first.errand, { logger: pino({ level: "silent" }), tokens: [], eventsPollIntervalMs: 25 });
      await revived.listen({ port, host: "127.0.0.1" });
      s = {
        ...first,
        server: revived,
        close: async () => {
          await revived.close();
          await first.errand.close({ graceMs: 0 });
        },
      };
      await page.locator('[data-live="true"]').waitFor();
      await page.locator("#banner").waitFor({ state: "hidden" });
      expect(await page.locator("#banner").textContent()).toBe("");
      expect(await page.locator('button[data-action="cancel"]').count()).toBe(1);
    });

    it("shows a payload's markup as text, never as HTML", async () => {
      const server = await open({ worker: false });
      const markup = "<img src=x onerror=window.__pwned=1><b>bold</b>";
      const job = await server.errand.enqueue("echo", { note: markup });
      await goto(server, `#/jobs/${job.id}`);
      await waitFor(async () => ((await section("Payload").textContent()) ?? "").includes(markup), { what: "the payload as text" });
      expect(await page.locator("img, b, i").count()).toBe(0);
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
    });

    it("Schedules lists each cron schedule with its next tick and what it enqueues; Pause and Resume reach the store", async () => {
      const server = await open({ worker: false });
      const saved = await server.errand.schedule("nightly-cleanup", "0 3 * * *", { type: "echo", payload: {}, timezone: "Europe/Paris" });
      await goto(server, "#/queues");
      await page.getByRole("link", { name: "Schedules" }).click();
      const row = page.locator("table.schedules tbody tr").filter({ has: page.locator("td:first-child", { hasText: /^nightly-cleanup$/ }) });
      const cell = (n: number) => row.locator("td").nth(n);
      await textBecomes(cell(1), "0 3 * * *");
      expect(await cell(2).textContent()).toBe("Europe/Paris");
      expect(await cell(3).getByRole("link", { name: "echo" }).getAttribute("href")).toBe("#/jobs?type=echo");
      expect(await cell(5).locator("time").getAttribute("datetime")).toBe(saved.nextTickAt.toISOString());
      expect(await cell(6).textContent()).toBe("–"); // it has never fired

      await row.locator('button[data-action="pause"]').click();
      await waitFor(async () => (await server.errand.getSchedule("nightly-cleanup"))?.paused === true, { what: "the schedule paused in the store" });
      await textBecomes(cell(7), "paused");
      await row.locator('button[data-action="resume"]').click();
      await waitFor(async () => (await server.errand.getSchedule("nightly-cleanup"))?.paused === false, { what: "the schedule resumed in the store" });
      await textBecomes(cell(7), "active");
    });

    /** A job page's JSON under its heading (the field table above holds JSON too, such as backoff). */
    function section(heading: "Payload" | "Result"): Locator {
      return page.locator(`main h2:text-is("${heading}") + pre.json`);
    }

    function queueRow(name: string): Locator {
      return page.locator("table.queues tbody tr").filter({ has: page.locator("td:first-child", { hasText: new RegExp(`^${name}$`) }) });
    }
  });

  describe(`dashboard assets: ${factory.name}`, () => {
    it("are served without a token (they hold no data) with a CSP, while /v1 still needs one; / leads to them", async () => {
      const s = await startServer(factory, { worker: false, tokens: [{ sha256: sha256Hex(READ_WRITE), scopes: ["jobs:read"] }] });
      try {
        const page = await fetch(`${s.url}/dashboard/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<script type="module" src="main.js">');
        expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
        expect((await fetch(`${s.url}/dashboard/main.js`)).headers.get("content-type")).toMatch(/javascript/);
        for (const path of ["/", "/dashboard"]) {
          const redirect = await fetch(s.url + path, { redirect: "manual" });
          expect([redirect.status, redirect.headers.get("location")]).toEqual([302, "/dashboard/"]);
        }
        expect((await http(s.url, "GET", "/v1/queues")).status).toBe(401);
        expect(s.server.dashboardPath).toBe("/dashboard/");
      } finally {
        await s.close();
      }
    });
  });
}

/** Polls a locator's text until it equals `expected` (or matches it), with a deadline. */
async function textBecomes(locator: Locator, expected: string | RegExp): Promise<void> {
  let last: string | null = null;
  try {
    await waitFor(async () => {
      last = (await locator.first().textContent({ timeout: 1_000 }).catch(() => null))?.trim() ?? null;
      return last !== null && (typeof expected === "string" ? last === expected : expected.test(last));
    });
  } catch {
    throw new Error(`expected ${String(locator)} to read ${String(expected)}, last read ${JSON.stringify(last)}`);
  }
}
