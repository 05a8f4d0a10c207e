/**
 * Cost of authentication per request: GET /v1/auth/me (JWT verify + one
 * primary-key lookup of the session and account) against GET /health/live
 * (no auth), over real HTTP. Prints requests per second and the ratio.
 */
import { buildApp } from '../src/app.ts';
import { parseEnv, toAppConfig } from '../src/config/env.ts';
import { createPrismaClient } from '../src/db/client.ts';
import { createLogger } from '../src/lib/logger.ts';
import { hashPassword } from '../src/lib/passwords.ts';
import { benchDatabase, fmt, load } from './lib.ts';

export async function benchAuth(seconds = 5, concurrency = 16): Promise<void> {
  const db = await benchDatabase('auth');
  const config = toAppConfig(
    parseEnv({
      DATABASE_URL: db.url,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      LOG_LEVEL: 'silent',
      // One token makes every request: the per-actor limit is counted but never reached.
      RATE_LIMIT_PER_STAFF: '2147483647',
    }),
  );
  const app = await buildApp({ config, logger: createLogger('silent') });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const prisma = createPrismaClient(db.url, 1);
    await prisma.staffMember.create({
      data: {
        email: 'bench@consular.test',
        fullName: 'Bench',
        role: 'admin',
        passwordHash: await hashPassword('bench password 123'),
      },
    });
    await prisma.$disconnect();
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@consular.test', password: 'bench password 123' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const get =
      (url: string, headers: Record<string, string> = {}) =>
      async () => {
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      };
    await load(concurrency, 1, get(`${base}/health/live`)); // warm-up
    const open = await load(concurrency, seconds, get(`${base}/health/live`));
    const authed = await load(
      concurrency,
      seconds,
      get(`${base}/v1/auth/me`, { authorization: `Bearer ${accessToken}` }),
    );
    console.log(`auth: ${concurrency} clients, ${seconds} s each`);
    console.log(`  GET /health/live (no auth)      ${fmt(open.perSecond, 0)} req/s`);
    console.log(`  GET /v1/auth/me (JWT + session) ${fmt(authed.perSecond, 0)} req/s`);
    console.log(`  ratio authenticated/open        ${fmt(authed.perSecond / open.perSecond, 2)}`);
  } finally {
    await app.close();
    await db.close();
  }
}
