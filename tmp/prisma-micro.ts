import pg from 'pg';
import { createPrismaClient } from '../src/db/client.ts';
const url = process.argv[2]!;
const prisma = createPrismaClient(url, 4);
const pool = new pg.Pool({ connectionString: url, max: 4 });
const { rows: [r] } = await pool.query('SELECT id, person_id FROM documentation_requests LIMIT 1');
const id = r.id;
async function measure(label: string, n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < 200; i++) await fn();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  // 8 concurrent chains
  await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < n / 8; i++) await fn(); }));
  const c = process.cpuUsage(c0); const t = performance.now() - t0;
  console.log(`${label.padEnd(40)} ${(((c.user + c.system) / n)).toFixed(0).padStart(5)} µs CPU/op  ${(n / t * 1000).toFixed(0)} op/s`);
}
const sel = { id: true, reference: true, consulateId: true, personId: true, type: true, details: true, state: true, potentialDuplicate: true, feePending: true, emergency: true, feeCents: true, paidCents: true, assignedToId: true, submittedAt: true, resolvedAt: true, issuedAt: true, cancelledAt: true, turnaroundDays: true, turnaroundBusinessDays: true, dueAt: true, deadlineDays: true, infoDeadlineDays: true, version: true, createdAt: true, updatedAt: true } as const;
const N = 4000;
await measure('pg unnamed', N, () => pool.query('SELECT * FROM documentation_requests WHERE id = $1', [id]));
await measure('pg named', N, () => pool.query({ name: 'x', text: 'SELECT * FROM documentation_requests WHERE id = $1', values: [id] }));
await measure('prisma $queryRaw', N, () => prisma.$queryRaw`SELECT * FROM documentation_requests WHERE id = ${id}::uuid`);
await measure('prisma findUnique (no relation)', N, () => prisma.documentationRequest.findUnique({ where: { id }, select: sel }));
await measure('prisma findFirst + person relation', N, () => prisma.documentationRequest.findFirst({ where: { id }, select: { ...sel, person: { select: { id: true, givenNames: true, firstSurname: true, secondSurname: true, dateOfBirth: true } } } }));
await measure('prisma staff findUnique', N, () => prisma.authSession.findUnique({ where: { id: '00000000-0000-4000-8000-000000000000' }, select: { revokedAt: true, staff: { select: { active: true } } } }));
await prisma.$disconnect(); await pool.end();
