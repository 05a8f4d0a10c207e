import { BadRequestError } from './errors.ts';
import { isStorableText } from './schemas.ts';

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
  if (
    !Array.isArray(values) ||
    values.length !== shape.length ||
    values.some((v, i) => typeof v !== shape[i] || (typeof v === 'string' && !isStorableText(v)))
  ) {
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

/** One column of a list's order, as its cursor stores it. */
export interface KeyPart {
  field: string;
  order: 'asc' | 'desc';
  /** instant: ISO date-time; date: YYYY-MM-DD; bigint: digits; number: an int4 column; uuid: an id column; string: text. */
  kind: 'instant' | 'date' | 'bigint' | 'number' | 'uuid' | 'string';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalidCursor = () =>
  new BadRequestError('The cursor is not valid: use the nextCursor of a previous page.', [
    { path: 'cursor', message: 'is not a cursor issued by this list' },
  ]);

function keyValue(value: CursorValue | undefined, kind: KeyPart['kind']): Date | bigint | number | string {
  if (kind === 'number') {
    // Integer columns (int4): 1e308 would overflow PostgreSQL's comparison.
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2_147_483_647) throw invalidCursor();
    return value;
  }
  if (typeof value !== 'string') throw invalidCursor();
  // A forged cursor must not reach PostgreSQL with what it cannot compare:
  // instants and dates outside its years (or JavaScript's), non-ids, NUL.
  if (kind === 'instant') {
    const date = new Date(value);
    if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999)
      throw invalidCursor();
    return date;
  }
  if (kind === 'date') {
    const date = new Date(`${value}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1) {
      throw invalidCursor();
    }
    return date;
  }
  if (kind === 'uuid' && !UUID.test(value)) throw invalidCursor();
  if (kind === 'string' && !isStorableText(value)) throw invalidCursor();
  if (kind === 'bigint') {
    if (!/^\d{1,19}$/.test(value)) throw invalidCursor();
    return BigInt(value);
  }
  return value;
}

/**
 * Prisma `where` for "strictly after this cursor" in the order `keys`
 * (lexicographic: the first key, then the next among equals…). A cursor whose
 * values do not fit the keys is 400, never a query error.
 */
export function afterKeyset(cursor: CursorValue[] | undefined, keys: readonly KeyPart[]): Record<string, unknown> {
  if (!cursor) return {};
  const values = keys.map((k, i) => keyValue(cursor[i], k.kind));
  return {
    OR: keys.map((key, i) => ({
      ...Object.fromEntries(keys.slice(0, i).map((earlier, j) => [earlier.field, values[j]])),
      [key.field]: { [key.order === 'asc' ? 'gt' : 'lt']: values[i] },
    })),
  };
}

/** Decodes a raw `?cursor=` for `keys` and returns the `where` after it. */
export function afterCursor(raw: string | undefined, keys: readonly KeyPart[]): Record<string, unknown> {
  return afterKeyset(
    decodeCursor(
      raw,
      keys.map((k) => (k.kind === 'number' ? 'number' : 'string')),
    ),
    keys,
  );
}

/** Newest first: `(field, id)` descending — the default order of most lists. */
export const createdDesc = (field = 'createdAt'): KeyPart[] => [
  { field, order: 'desc', kind: 'instant' },
  { field: 'id', order: 'desc', kind: 'uuid' },
];

/** `where` after a decoded cursor of a newest-first list. */
export function afterCreatedDesc(cursor: CursorValue[] | undefined, field = 'createdAt') {
  return afterKeyset(cursor, createdDesc(field));
}
