import { BadRequestError } from './errors.ts';

/**
 * Keyset pagination. A cursor is the sort key of the last row of a page,
 * encoded opaquely; the next page starts strictly after it, so inserts do not
 * shift pages.
 */
export type CursorValue = string | number;

export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: ('string' | 'number')[]): CursorValue[] | undefined {
  if (cursor === undefined) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || values.length !== shape.length || values.some((v, i) => typeof v !== shape[i])) {
    throw new BadRequestError('The cursor is not valid: use the nextCursor of a previous page.', [
      { path: 'cursor', message: 'is not a cursor issued by this list' },
    ]);
  }
  return values as CursorValue[];
}

/** Cuts a `limit + 1` fetch into a page and the cursor of its last row. */
export function toPage<T, R = T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => CursorValue[],
  map: (row: T) => R = (row) => row as unknown as R,
): { data: R[]; nextCursor: string | null } {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(map),
    nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/**
 * Prisma `where` for "after this (createdAt, id)" in descending order —
 * the default order of most lists (newest first).
 */
export function afterCreatedDesc(cursor: CursorValue[] | undefined, field = 'createdAt') {
  if (!cursor) return {};
  const [at, id] = cursor as [string, string];
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) {
    throw new BadRequestError('The cursor is not valid: use the nextCursor of a previous page.', [
      { path: 'cursor', message: 'is not a cursor issued by this list' },
    ]);
  }
  return {
    OR: [{ [field]: { lt: date } }, { [field]: date, id: { lt: id } }],
  };
}
