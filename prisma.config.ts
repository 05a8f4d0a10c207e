import { defineConfig } from 'prisma/config';

// `env('DATABASE_URL')` would throw when the variable is unset, which breaks
// `prisma generate` on a fresh clone (generate needs no database).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
