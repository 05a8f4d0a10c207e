// `npm run db:seed`: seeds DATABASE_URL (consulates, the ZIP dataset and jurisdictions; the admin when SEED_ADMIN_EMAIL/PASSWORD are set).
import { parseEnv } from '../src/config/env.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { seed, seedJurisdiction } from './seed.ts';

const env = parseEnv(process.env);
const databaseUrl = env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('DATABASE_URL is required (npm start seeds the embedded database by itself).\n');
  process.exit(1);
}
const prisma = createPrismaClient(databaseUrl, 2);
const admin =
  env.SEED_ADMIN_EMAIL && env.SEED_ADMIN_PASSWORD
    ? { email: env.SEED_ADMIN_EMAIL, password: env.SEED_ADMIN_PASSWORD }
    : undefined;
const result = await seed(prisma, { admin })
  .then(async (r) => ({ ...r, jurisdiction: await seedJurisdiction(prisma, databaseUrl) }))
  .finally(() => prisma.$disconnect());
process.stdout.write(`${JSON.stringify(result)}\n`);
