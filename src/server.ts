import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import closeWithGrace from 'close-with-grace';
import { seed, seedJurisdiction } from '../prisma/seed.ts';
import { buildApp } from './app.ts';
import { ConfigError, parseEnv, toAppConfig, type Env } from './config/env.ts';
import { createPrismaClient } from './db/client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded.ts';
import { migrateDatabase } from './db/migrate.ts';
import { closeGracefully } from './lib/lifecycle.ts';
import { createLogger } from './lib/logger.ts';

/** Embedded mode keeps its generated JWT secret beside the cluster, so tokens survive restarts. */
async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(48).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function seedAdmin(env: Readonly<Env>, embedded: boolean) {
  if (env.SEED_ADMIN_EMAIL && env.SEED_ADMIN_PASSWORD) {
    return { email: env.SEED_ADMIN_EMAIL, password: env.SEED_ADMIN_PASSWORD, generated: false };
  }
  // Only the embedded demo may invent an account; a real database gets none unless asked.
  if (!embedded) return undefined;
  return {
    email: env.SEED_ADMIN_EMAIL ?? 'admin@example.org',
    password: env.SEED_ADMIN_PASSWORD ?? randomBytes(12).toString('base64url'),
    generated: env.SEED_ADMIN_PASSWORD === undefined,
  };
}

async function main(): Promise<void> {
  let env: Readonly<Env>;
  try {
    env = parseEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(env.LOG_LEVEL);

  let embedded: EmbeddedPostgres | undefined;
  try {
    if (!env.DATABASE_URL) {
      logger.info({ dataDir: env.DATA_DIR }, 'no DATABASE_URL: starting the embedded PostgreSQL');
      embedded = await startEmbeddedPostgres({
        dataDir: env.DATA_DIR,
        port: env.EMBEDDED_PG_PORT,
        database: 'consular',
        log: (line) => logger.debug({ postgres: line }, 'embedded PostgreSQL'),
      });
    }
    const config = toAppConfig(env, {
      databaseUrl: embedded?.url,
      jwtSecret:
        env.JWT_SECRET ?? (embedded ? await readOrCreateSecret(path.join(env.DATA_DIR, 'jwt-secret')) : undefined),
      // The embedded demo listens on loopback unless HOST says otherwise.
      host: embedded ? '127.0.0.1' : undefined,
    });

    await migrateDatabase(config.databaseDirectUrl);
    const admin = seedAdmin(env, embedded !== undefined);
    const prisma = createPrismaClient(config.databaseUrl, 2);
    const seeded = await seed(prisma, { admin })
      .then(async (result) => ({ ...result, jurisdiction: await seedJurisdiction(prisma, config.databaseUrl) }))
      .finally(() => prisma.$disconnect());
    logger.info(
      {
        consulatesCreated: seeded.consulatesCreated,
        adminCreated: seeded.adminCreated,
        zipDataset: seeded.jurisdiction.dataset,
        zipDatasetLoaded: seeded.jurisdiction.loaded,
      },
      'database ready',
    );

    const app = await buildApp({ config, logger });
    closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'stopping after an unexpected error');
      else app.log.info({ signal }, 'stopping: finishing in-flight requests');
      await closeGracefully(app, embedded);
    });
    await app.listen({ host: config.host, port: config.port });

    const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const base = `http://${shown}:${config.port}`;
    const lines = [
      '',
      `  Consular case management API  ${base}`,
      `  API docs                      ${base}/docs`,
      `  Database                      ${embedded ? `embedded PostgreSQL (${path.resolve(env.DATA_DIR)})` : 'DATABASE_URL'}`,
    ];
    if (admin && seeded.adminCreated) {
      lines.push(`  Admin login                   ${admin.email}`);
      if (admin.generated) lines.push(`  Admin password (shown once)   ${admin.password}`);
    } else if (embedded) {
      lines.push(`  Admin login                   ${admin?.email ?? ''} (password as shown on first start)`);
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await embedded?.stop();
    process.exit(1);
  }
}

await main();
