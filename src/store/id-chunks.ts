import type { JobId } from "../core/job.js";

/**
 * Ids per statement of a read by id: keeps one statement's parameter (a PostgreSQL array, a
 * SQLite JSON text) and its plan small however many ids a caller asks for at once.
 */
export const IDS_PER_STATEMENT = 1_000;

/** `ids` without repeats, in slices of at most IDS_PER_STATEMENT: an id repeated across slices would come back twice. */
export function distinctIdChunks(ids: readonly JobId[]): JobId[][] {
  const distinct = [...new Set(ids)];
  const chunks: JobId[][] = [];
  for (let i = 0; i < distinct.length; i += IDS_PER_STATEMENT) chunks.push(distinct.slice(i, i + IDS_PER_STATEMENT));
  return chunks;
}
