import type { Queryable } from './pool.ts';

/**
 * Runs a `DELETE` that removes at most `batchSize` rows (its last parameter) again and again until
 * one removes fewer, so no single statement holds its row locks, or a snapshot, for long: the
 * ingestion writer and readers never wait behind a whole table's worth. Stops between batches when
 * `signal` aborts (the rest is left for the next run). Returns how many rows went.
 *
 * The statement selects its rows with `LIMIT $n`, n being `params.length + 1`.
 */
export async function deleteInBatches(
  db: Queryable,
  sql: string,
  params: readonly unknown[],
  { batchSize, signal }: { batchSize: number; signal?: AbortSignal | undefined },
): Promise<number> {
  let removed = 0;
  while (signal?.aborted !== true) {
    const { rowCount } = await db.query(sql, [...params, batchSize]);
    removed += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) break;
  }
  return removed;
}
