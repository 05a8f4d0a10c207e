import type { Db, Tx } from '../../db/client.ts';

/** One candidate county of a ZIP code, with the active consulate that serves it (if any). */
export interface ZipCandidateRow {
  zip: string;
  city: string;
  state: string;
  countyFips: string;
  countyName: string;
  countyState: string;
  sharePercent: number;
  consulateId: string | null;
  consulateCode: string | null;
  consulateName: string | null;
  consulateAddress: string | null;
  consulateCity: string | null;
  consulateState: string | null;
  consulatePhone: string | null;
  consulateEmail: string | null;
}

/**
 * The candidate counties of some ZIP codes, most residents first, in one
 * statement (primary-key lookups). A county whose consulate is not active
 * (planned or closed) has no consulate here: nobody can be sent there.
 */
export function zipCandidates(db: Db, zips: readonly string[]): Promise<ZipCandidateRow[]> {
  return db.$queryRaw<ZipCandidateRow[]>`
    SELECT z.zip::text AS zip, z.city, z.state::text AS state,
           c.fips::text AS "countyFips", c.name AS "countyName", c.state::text AS "countyState",
           zc.share_percent::float8 AS "sharePercent",
           k.id::text AS "consulateId", k.code AS "consulateCode", k.name AS "consulateName",
           k.address AS "consulateAddress", k.city AS "consulateCity", k.state::text AS "consulateState",
           k.phone AS "consulatePhone", k.email AS "consulateEmail"
    FROM zip_codes z
    JOIN zip_counties zc ON zc.zip = z.zip
    JOIN us_counties c ON c.fips = zc.county_fips
    LEFT JOIN consulate_counties j ON j.county_fips = c.fips
    LEFT JOIN consulates k ON k.id = j.consulate_id AND k.status = 'active'
    WHERE z.zip = ANY(${[...zips]}::char(5)[])
    ORDER BY z.zip, zc.share_percent DESC, c.fips`;
}

export interface CountyRow {
  fips: string;
  name: string;
  state: string;
}

/** The counties a consulate serves (or, `designated`, will take over on activation), by FIPS code. */
export async function countiesOf(db: Db, consulateId: string, designated: boolean): Promise<CountyRow[]> {
  const select = { county: { select: { fips: true, name: true, state: true } } } as const;
  const rows = designated
    ? await db.consulateDesignatedCounty.findMany({ where: { consulateId }, orderBy: { countyFips: 'asc' }, select })
    : await db.consulateCounty.findMany({ where: { consulateId }, orderBy: { countyFips: 'asc' }, select });
  return rows.map((r) => r.county);
}

/** Which of these FIPS codes are counties of the dataset. */
export async function knownCounties(db: Db, fips: readonly string[]): Promise<Set<string>> {
  const rows = await db.usCounty.findMany({ where: { fips: { in: [...fips] } }, select: { fips: true } });
  return new Set(rows.map((r) => r.fips));
}

/**
 * How long a jurisdiction change may take (its transaction, and each of its
 * statements): recomputing the flags of a populous county's persons can take
 * seconds, longer than an ordinary request's statement bound.
 */
export const JURISDICTION_CHANGE_TIMEOUT_MS = 60_000;

/**
 * Starts a jurisdiction change in `tx`: a change and the person writes that
 * compute the flag exclude each other for the change's transaction (persons
 * are written meanwhile only after it commits), so no person keeps a flag
 * computed against the old counties; changes also serialise among themselves.
 * Its statements get `statementTimeoutMs` (0: no bound, for the seed).
 */
export async function lockForJurisdictionChange(
  tx: Tx,
  statementTimeoutMs: number = JURISDICTION_CHANGE_TIMEOUT_MS,
): Promise<void> {
  await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.max(0, Math.trunc(statementTimeoutMs))}`);
  await tx.$executeRaw`LOCK TABLE persons IN SHARE ROW EXCLUSIVE MODE`;
}

export interface CountyMove {
  /** Counties that changed hands, by the consulate that had them. */
  takenFrom: Map<string, string[]>;
  added: string[];
  removed: string[];
}

function byOwner(rows: { county_fips: string; consulate_id: string }[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.consulate_id, [...(map.get(r.consulate_id) ?? []), r.county_fips]);
  return map;
}

/**
 * Gives `consulateId` exactly `fips` in `table` (served or designated
 * counties), taking each from whichever consulate had it.
 */
export async function replaceCounties(
  tx: Tx,
  table: 'consulate_counties' | 'consulate_designated_counties',
  consulateId: string,
  fips: readonly string[],
): Promise<CountyMove> {
  const list = [...fips];
  // Raw SQL for one statement per step; the table name is one of two literals.
  const owners = await tx.$queryRawUnsafe<{ county_fips: string; consulate_id: string }[]>(
    `SELECT county_fips::text, consulate_id::text FROM ${table}
     WHERE county_fips = ANY($1::char(5)[]) AND consulate_id <> $2::uuid ORDER BY county_fips`,
    list,
    consulateId,
  );
  const before = await tx.$queryRawUnsafe<{ county_fips: string }[]>(
    `SELECT county_fips::text FROM ${table} WHERE consulate_id = $1::uuid`,
    consulateId,
  );
  const had = new Set(before.map((r) => r.county_fips));
  const wanted = new Set(list);
  const removed = [...had].filter((f) => !wanted.has(f)).sort();
  const added = list.filter((f) => !had.has(f)).sort();
  if (removed.length > 0) {
    await tx.$executeRawUnsafe(
      `DELETE FROM ${table} WHERE consulate_id = $1::uuid AND county_fips = ANY($2::char(5)[])`,
      consulateId,
      removed,
    );
  }
  if (added.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO ${table} (county_fips, consulate_id)
       SELECT f, $2::uuid FROM unnest($1::char(5)[]) AS f
       ON CONFLICT (county_fips) DO UPDATE SET consulate_id = EXCLUDED.consulate_id`,
      added,
      consulateId,
    );
  }
  return { takenFrom: byOwner(owners), added, removed };
}

/**
 * Activation: the planned consulate's designated counties become its own,
 * taken from whichever consulate served them; the designation is spent.
 */
export async function takeOverDesignatedCounties(tx: Tx, consulateId: string): Promise<CountyMove> {
  const designated = await tx.consulateDesignatedCounty.findMany({
    where: { consulateId },
    select: { countyFips: true },
    orderBy: { countyFips: 'asc' },
  });
  const fips = designated.map((d) => d.countyFips);
  if (fips.length === 0) return { takenFrom: new Map(), added: [], removed: [] };
  const owners = await tx.$queryRaw<{ county_fips: string; consulate_id: string }[]>`
    SELECT county_fips::text, consulate_id::text FROM consulate_counties
    WHERE county_fips = ANY(${fips}::char(5)[]) AND consulate_id <> ${consulateId}::uuid ORDER BY county_fips`;
  await tx.$executeRaw`
    INSERT INTO consulate_counties (county_fips, consulate_id)
    SELECT f, ${consulateId}::uuid FROM unnest(${fips}::char(5)[]) AS f
    ON CONFLICT (county_fips) DO UPDATE SET consulate_id = EXCLUDED.consulate_id`;
  await tx.consulateDesignatedCounty.deleteMany({ where: { consulateId } });
  return { takenFrom: byOwner(owners), added: fips, removed: [] };
}

/**
 * Recomputes the flag of the persons of `consulateIds` whose ZIP code touches
 * one of `counties` (the only ones a change of those counties can affect);
 * returns how many changed. Not an edit of the person: version and
 * updatedAt stay.
 */
export async function recomputeFlags(
  tx: Tx,
  consulateIds: readonly string[],
  counties: readonly string[],
): Promise<number> {
  if (consulateIds.length === 0 || counties.length === 0) return 0;
  // The flag is a boolean: flipping those that disagree with the rule sets them to it.
  return tx.$executeRaw`
    UPDATE persons SET outside_jurisdiction = NOT outside_jurisdiction
    WHERE consulate_id = ANY(${[...consulateIds]}::uuid[])
      AND left(address_postal_code, 5) IN (
        SELECT zip::text FROM zip_counties WHERE county_fips = ANY(${[...counties]}::char(5)[]))
      AND outside_jurisdiction <> person_outside_jurisdiction(consulate_id, address_postal_code, address_state)`;
}

/** Recomputes every person's flag (after the dataset itself changed). */
export function recomputeAllFlags(tx: Tx): Promise<number> {
  return tx.$executeRaw`
    UPDATE persons SET outside_jurisdiction = NOT outside_jurisdiction
    WHERE anonymised_at IS NULL -- their address is gone; the flag they had stays (retention migration)
      AND outside_jurisdiction <> person_outside_jurisdiction(consulate_id, address_postal_code, address_state)`;
}
