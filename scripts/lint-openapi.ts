/**
 * `npm run lint:openapi`: builds the app without listening (no database is
 * contacted), writes its OpenAPI document to a temporary file and lints it
 * with Spectral and the ruleset in `.spectral.yaml`. Exits non-zero on any
 * error. Extra arguments go to `spectral lint` (e.g. `-f json`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { parseEnv, toAppConfig } from '../src/config/env.ts';
import { createLogger } from '../src/lib/logger.ts';

const root = path.resolve(import.meta.dirname, '..');
// Routes and schemas only: the database client connects lazily and is never used.
const config = toAppConfig(
  parseEnv({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgresql://openapi-lint@127.0.0.1:1/none',
    JWT_SECRET: 'openapi-lint-only-openapi-lint-only',
    LOG_LEVEL: 'silent',
  }),
);
const app = await buildApp({ config, logger: createLogger('silent') });
await app.ready();
const document = JSON.stringify(app.swagger(), null, 2);
await app.close();

const dir = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
try {
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, document);
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'spectral'),
    [
      'lint',
      file,
      '--ruleset',
      path.join(root, '.spectral.yaml'),
      '--fail-severity',
      'error',
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
