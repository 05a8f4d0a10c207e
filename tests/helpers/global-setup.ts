import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrateDatabase, projectRoot } from '../../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server (CREATE/DROP DATABASE). */
    adminDatabaseUrl: string;
    /** Name of the migrated template every test file clones. */
    templateDatabase: string;
  }
}

/** Template name from a hash of the migrations, so a changed migration builds a new template. */
function templateName(): string {
  const dir = path.join(projectRoot(), 'prisma', 'migrations');
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (entry.endsWith('.sql')) hash.update(entry).update(readFileSync(path.join(dir, entry)));
  }
  return `ccm_tpl_${hash.digest('hex').slice(0, 16)}`;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function ensureTemplate(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // Two test runs on one server build the template once.
    await client.query("SELECT pg_advisory_lock(hashtext('ccm-test-template'))");
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    const building = `${name}_build_${randomBytes(4).toString('hex')}`;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(building)}`);
    try {
      await migrateDatabase(withDatabase(adminUrl, building));
      await client.query(
        `ALTER DATABASE ${client.escapeIdentifier(building)} RENAME TO ${client.escapeIdentifier(name)}`,
      );
      await client.query(
        `ALTER DATABASE ${client.escapeIdentifier(name)} WITH is_template true allow_connections false`,
      );
    } catch (err) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(building)} WITH (FORCE)`);
      throw err;
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('ccm-test-template'))").catch(() => undefined);
    await client.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ccm-test-pg-'));
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: 55_432,
      database: 'postgres',
      // Throw-away cluster: durability off for speed.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
    });
    adminUrl = embedded.url;
  }
  const teardown = async () => {
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const template = templateName();
    await ensureTemplate(adminUrl, template);
    project.provide('adminDatabaseUrl', adminUrl);
    project.provide('templateDatabase', template);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
