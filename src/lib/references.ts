import type { Tx } from '../db/client.ts';

/**
 * The next number of a consulate's yearly series, inside the caller's
 * transaction. The upsert locks the counter row until commit, so concurrent
 * creates queue up (no duplicates), and a rollback returns the number (no gaps).
 */
export async function nextInSeries(tx: Tx, consulateId: string, series: string, year: number): Promise<number> {
  const [row] = await tx.$queryRaw<{ last_value: number }[]>`
    INSERT INTO reference_counters (consulate_id, series, year, last_value)
    VALUES (${consulateId}::uuid, ${series}, ${year}, 1)
    ON CONFLICT (consulate_id, series, year)
      DO UPDATE SET last_value = reference_counters.last_value + 1
    RETURNING last_value`;
  return row!.last_value;
}

/** `LAX-2026-000123` (documentation) or `LAX-P-2026-000123` (protection). */
export function formatReference(code: string, year: number, value: number, prefix?: string): string {
  return [code, ...(prefix ? [prefix] : []), String(year), String(value).padStart(6, '0')].join('-');
}
