import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { projectRoot } from '../src/db/migrate.ts';
import { TEST_JWT_SECRET } from './helpers/build-test-app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { DETAILS } from './helpers/documentation.ts';
import { eventually, startReceiver } from './helpers/webhook-receiver.ts';
import { createConsulate } from './factories/consulates.ts';
import { createPerson } from './factories/persons.ts';
import { createStaff, DEFAULT_PASSWORD } from './factories/staff.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface ApiProcess {
  base: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A real API process (`node --import tsx src/server.ts`) on the test's database. */
async function startApi(databaseUrl: string): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      WEBHOOK_DISPATCHER: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      WEBHOOK_CONCURRENCY: '2',
      WEBHOOK_RETRY_BASE_MS: '30',
      WEBHOOK_RETRY_MAX_MS: '120',
      RATE_LIMIT_PER_STAFF: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const collect = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Server listening')) resolve();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  return { base: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}

let db: TestDatabase;
let prisma: PrismaClient;
let apis: ApiProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient(db.url, 2);
  apis = await Promise.all([startApi(db.url), startApi(db.url)]);
}, 120_000);

afterAll(async () => {
  for (const api of apis) api.child.kill('SIGTERM');
  await Promise.all(apis.map((a) => a.exited));
  await prisma?.$disconnect();
  await db?.drop();
});

describe('two API processes on one database', () => {
  it('deliver each event exactly once, in order per record, both taking part', async () => {
    // A receiver that takes a moment to answer, so both processes have deliveries in flight.
    const receiver = await startReceiver(async () => {
      await new Promise((r) => setTimeout(r, 40));
      return 200;
    });
    try {
      const consulate = await createConsulate(prisma, { code: 'WH2PX' });
      const staff = await createStaff(prisma, { role: 'supervisor', consulateId: consulate.id });
      const call = async (api: ApiProcess, method: string, path: string, body?: object, headers = {}) => {
        const res = await fetch(api.base + path, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        return { status: res.status, etag: res.headers.get('etag'), json: text ? JSON.parse(text) : undefined };
      };
      const login = await call(apis[0]!, 'POST', '/v1/auth/login', { email: staff.email, password: DEFAULT_PASSWORD });
      expect(login.status).toBe(200);
      const auth = { authorization: `Bearer ${login.json.accessToken}` };
      const sub = await call(
        apis[0]!,
        'POST',
        '/v1/webhooks',
        { url: receiver.url, events: ['documentation_request.state_changed'] },
        auth,
      );
      expect(sub.status).toBe(201);

      const RECORDS = 15;
      const ids = await Promise.all(
        Array.from({ length: RECORDS }, async (_, i) => {
          // Each record's changes alternate between the processes.
          const [first, second] = i % 2 ? [apis[0]!, apis[1]!] : [apis[1]!, apis[0]!];
          const person = await createPerson(prisma, consulate.id);
          const filed = await call(
            first,
            'POST',
            '/v1/documentation-requests',
            { personId: person.id, type: 'passport', details: DETAILS.passport },
            auth,
          );
          expect(filed.status).toBe(201);
          let etag = filed.etag ?? '"1"';
          for (const [api, to] of [
            [second, 'under_review'],
            [first, 'approved'],
          ] as const) {
            const moved = await call(
              api,
              'POST',
              `/v1/documentation-requests/${filed.json.id}/transitions`,
              { to },
              { ...auth, 'if-match': etag },
            );
            expect(moved.status, JSON.stringify(moved.json)).toBe(200);
            etag = moved.etag!;
          }
          return filed.json.id as string;
        }),
      );

      const EVENTS = RECORDS * 2;
      await eventually(
        async () =>
          (await prisma.webhookDelivery.count({ where: { status: 'succeeded' } })) === EVENTS &&
          (await prisma.webhookDelivery.count({ where: { status: { not: 'succeeded' } } })) === 0,
        30_000,
        'every delivery to succeed',
      );
      expect(receiver.received).toHaveLength(EVENTS);
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(EVENTS);
      const attempts = await prisma.webhookDelivery.findMany({ select: { attempts: true } });
      expect(attempts.every((a) => a.attempts === 1)).toBe(true);
      for (const id of ids) {
        const order = receiver.received.filter((r) => r.json.data.id === id).map((r) => r.json.data.to);
        expect(order).toEqual(['under_review', 'approved']);
      }
      // Both processes sent some: each delivery is logged once, by the process that sent it.
      const sentBy = apis.map((api) =>
        api
          .output()
          .split('\n')
          .filter((line) => line.includes('webhook delivery attempted'))
          .map((line) => (JSON.parse(line) as { webhookDelivery: string }).webhookDelivery),
      );
      expect(sentBy[0]!.length + sentBy[1]!.length).toBe(EVENTS);
      expect(new Set([...sentBy[0]!, ...sentBy[1]!]).size).toBe(EVENTS);
      expect(sentBy[0]!.length).toBeGreaterThan(0);
      expect(sentBy[1]!.length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  }, 120_000);
});
