import { fork } from 'node:child_process';
import path from 'node:path';
import { hashPassword } from '../src/lib/passwords.ts';
import { projectRoot } from '../src/db/migrate.ts';
import type { PrismaClient, Tx } from '../src/db/client.ts';
import { recordAudit, SYSTEM_CONTEXT } from '../src/modules/audit/audit.repository.ts';
import { lockForJurisdictionChange, recomputeAllFlags } from '../src/modules/jurisdiction/jurisdiction.repository.ts';
import { CONSULATES, DEFAULT_SERVICES } from './consulates.ts';
import { cityLocator, countiesOf, nearestOffices, readZipDataset, zipDatasetVersion } from './zip-dataset.ts';

export interface SeedOptions {
  /** Created only if no account has this email yet; an existing one is never changed. */
  admin?: { email: string; password: string; fullName?: string };
}

export interface SeedResult {
  consulatesCreated: number;
  adminCreated: boolean;
}

/**
 * Seeds the consulate network and, optionally, one admin. Idempotent, and safe
 * when several replicas start at once: existing rows are left as they are.
 */
export async function seed(prisma: PrismaClient, options: SeedOptions = {}): Promise<SeedResult> {
  return prisma.$transaction(
    async (tx) => {
      const { count } = await tx.consulate.createMany({
        data: CONSULATES.map((c) => ({ ...c, services: [...DEFAULT_SERVICES] })),
        skipDuplicates: true,
      });
      if (count > 0) {
        await recordAudit(tx, SYSTEM_CONTEXT, {
          action: 'consulate.seed',
          entityType: 'consulate',
          details: { created: count },
        });
      }
      let adminCreated = false;
      if (options.admin) {
        const email = options.admin.email.toLowerCase();
        const passwordHash = await hashPassword(options.admin.password);
        const inserted = await tx.staffMember.createManyAndReturn({
          data: [{ email, fullName: options.admin.fullName ?? 'Network administrator', role: 'admin', passwordHash }],
          skipDuplicates: true,
          select: { id: true },
        });
        adminCreated = inserted.length === 1;
        if (adminCreated) {
          await recordAudit(tx, SYSTEM_CONTEXT, {
            action: 'staff.seed_admin',
            entityType: 'staff',
            entityId: inserted[0]!.id,
            changedFields: ['email', 'fullName', 'role', 'password'],
          });
        }
      }
      return { consulatesCreated: count, adminCreated };
    },
    { timeout: 30_000 },
  );
}

export interface JurisdictionSeedResult {
  /** False when this version of the ZIP dataset was already loaded (every later start). */
  loaded: boolean;
  dataset: string;
  zipCodes: number;
  counties: number;
  /** Counties given a consulate by the nearest-office rule (new counties only). */
  countiesAssigned: number;
  /** Counties designated to planned consulates (taken over on activation). */
  countiesDesignated: number;
  /** Offices whose city the dataset does not know: they get no counties from the rule. */
  unlocatedConsulates: string[];
  personsReflagged: number;
}

/**
 * Loads the ZIP dataset into zip_codes, zip_counties and us_counties, once per
 * dataset version (a later start reads one row and returns), and gives every
 * county new to the tables a consulate by the seed's rule (`nearestOffices`):
 * the nearest active office of its state, or the nearest of all where the
 * state has none. Each planned office is designated the counties the same rule
 * would give it if it were active. Counties already in the tables keep the
 * consulate headquarters gave them. Safe when several replicas start at once
 * (an advisory lock; the loser finds the version loaded). Run after `seed`.
 *
 * The loading runs in a child process (prisma/seed-jurisdiction-child.ts): the
 * dataset takes some 200 MB once parsed, and a process keeps the memory it
 * grew to, so the API process never holds it.
 */
export async function seedJurisdiction(prisma: PrismaClient, databaseUrl: string): Promise<JurisdictionSeedResult> {
  if (await datasetLoaded(prisma)) return notLoaded();
  return new Promise((resolve, reject) => {
    // From the project root, so it is found from a built bundle too.
    const child = fork(path.join(projectRoot(), 'prisma', 'seed-jurisdiction-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: { result?: JurisdictionSeedResult; error?: string } | undefined;
    child.on('message', (message: { result?: JurisdictionSeedResult; error?: string }) => {
      outcome = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (outcome?.result) resolve(outcome.result);
      else reject(new Error(`loading the ZIP dataset failed (${outcome?.error ?? `exit ${code}`})`));
    });
    // Over IPC, not argv or the environment: the URL may carry a password.
    child.send({ databaseUrl });
  });
}

function notLoaded(): JurisdictionSeedResult {
  const { name, version } = zipDatasetVersion();
  return {
    loaded: false,
    dataset: `${name}@${version}`,
    zipCodes: 0,
    counties: 0,
    countiesAssigned: 0,
    countiesDesignated: 0,
    unlocatedConsulates: [],
    personsReflagged: 0,
  };
}

async function datasetLoaded(db: Pick<PrismaClient, 'jurisdictionDataset'>): Promise<boolean> {
  const { name, version } = zipDatasetVersion();
  const row = await db.jurisdictionDataset.findUnique({ where: { name }, select: { version: true } });
  return row?.version === version;
}

/** The work of `seedJurisdiction`, in this process (which then holds the parsed dataset). */
export async function loadJurisdiction(prisma: PrismaClient): Promise<JurisdictionSeedResult> {
  const { name, version } = zipDatasetVersion();
  const dataset = `${name}@${version}`;
  if (await datasetLoaded(prisma)) return notLoaded();

  const zips = await readZipDataset();
  const counties = countiesOf(zips);
  const locate = cityLocator(zips);
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('seed:jurisdiction'))`;
      if (await datasetLoaded(tx)) return notLoaded();
      // No statement bound: a first load recomputes every person's flag, however many there are.
      await lockForJurisdictionChange(tx, 0);

      const known = new Set((await tx.usCounty.findMany({ select: { fips: true } })).map((c) => c.fips));
      await tx.$executeRaw`
        INSERT INTO us_counties (fips, name, state)
        SELECT * FROM unnest(${counties.map((c) => c.fips)}::char(5)[], ${counties.map((c) => c.name)}::text[],
                             ${counties.map((c) => c.state)}::char(2)[])
        ON CONFLICT (fips) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state`;
      // The ZIP tables are the dataset's alone: replaced whole (readers see the old rows until commit).
      await tx.$executeRaw`DELETE FROM zip_codes`;
      await tx.$executeRaw`
        INSERT INTO zip_codes (zip, city, state)
        SELECT * FROM unnest(${zips.map((z) => z.zip)}::char(5)[], ${zips.map((z) => z.city)}::text[],
                             ${zips.map((z) => z.state)}::char(2)[])`;
      const links = zips.flatMap((z) => z.counties.map((c) => [z.zip, c.fips, c.sharePercent] as const));
      await tx.$executeRaw`
        INSERT INTO zip_counties (zip, county_fips, share_percent)
        SELECT * FROM unnest(${links.map((l) => l[0])}::char(5)[], ${links.map((l) => l[1])}::char(5)[],
                             ${links.map((l) => l[2])}::numeric[])`;

      // Offices by code, so ties and the result do not depend on row order.
      const offices = await tx.consulate.findMany({
        where: { status: { in: ['active', 'planned'] } },
        select: { id: true, code: true, city: true, state: true, status: true },
        orderBy: { code: 'asc' },
      });
      const located = offices.flatMap((o) => {
        const point = locate(o.city, o.state);
        return point ? [{ ...o, ...point }] : [];
      });
      const active = located.filter((o) => o.status === 'active');
      const fresh = counties.filter((c) => !known.has(c.fips));
      const assignment = nearestOffices(fresh, active);
      await insertCountyOwners(tx, 'consulate_counties', assignment);
      let countiesDesignated = 0;
      for (const planned of located.filter((o) => o.status === 'planned')) {
        const wouldServe = nearestOffices(
          fresh,
          [...active, planned].sort((a, b) => a.code.localeCompare(b.code)),
        );
        const designation = new Map([...wouldServe].filter(([, id]) => id === planned.id));
        countiesDesignated += await insertCountyOwners(tx, 'consulate_designated_counties', designation);
      }
      await tx.jurisdictionDataset.upsert({
        where: { name },
        create: { name, version, zipCount: zips.length, countyCount: counties.length },
        update: { version, zipCount: zips.length, countyCount: counties.length, loadedAt: new Date() },
      });
      const personsReflagged = await recomputeAllFlags(tx);
      const result: JurisdictionSeedResult = {
        loaded: true,
        dataset,
        zipCodes: zips.length,
        counties: counties.length,
        countiesAssigned: assignment.size,
        countiesDesignated,
        unlocatedConsulates: offices.filter((o) => !located.some((l) => l.id === o.id)).map((o) => o.code),
        personsReflagged,
      };
      await recordAudit(tx, SYSTEM_CONTEXT, {
        action: 'jurisdiction.seed',
        entityType: 'jurisdiction',
        details: { ...result },
      });
      return result;
    },
    // A one-time job at start: a first load over a large database recomputes every flag.
    { maxWait: 10_000, timeout: 600_000 },
  );
}

/** Inserts county → consulate rows; a county that already has a row keeps it. */
async function insertCountyOwners(
  tx: Tx,
  table: 'consulate_counties' | 'consulate_designated_counties',
  owners: Map<string, string>,
): Promise<number> {
  if (owners.size === 0) return 0;
  return tx.$executeRawUnsafe(
    `INSERT INTO ${table} (county_fips, consulate_id)
     SELECT * FROM unnest($1::char(5)[], $2::uuid[]) ON CONFLICT (county_fips) DO NOTHING`,
    [...owners.keys()],
    [...owners.values()],
  );
}
