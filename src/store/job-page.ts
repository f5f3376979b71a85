import type { Job } from "../core/job.js";
import type { JobPage } from "./store.js";

/**
 * A page from up to `limit` + 1 listed jobs: the one past the page says another page exists, so
 * a page that ends exactly on the last job says so (a null cursor), and no one asks for an empty
 * page after it. Stores list `pageFetchSize(limit)` rows.
 */
export function pageOf(listed: Job[], limit: number): JobPage {
  if (listed.length <= limit) return { jobs: listed, nextCursor: null };
  const jobs = listed.slice(0, limit);
  return { jobs, nextCursor: jobs[limit - 1]!.id };
}

export function pageFetchSize(limit: number): number {
  return limit + 1;
}
