/**
 * Booking throughput over real HTTP through two API instances on one
 * database: under contention (many clients, few slots: most requests are
 * refused with 409 slot-full) and without (every request has a slot of its
 * own). Prints requests and bookings per second, the refusals, and what the
 * database holds afterwards — which must equal the capacity offered.
 */
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { buildApp } from '../src/app.ts';
import { parseEnv, toAppConfig } from '../src/config/env.ts';
import { createPrismaClient, type PrismaClient } from '../src/db/client.ts';
import { createLogger } from '../src/lib/logger.ts';
import { hashPassword } from '../src/lib/passwords.ts';
import { benchDatabase, fmt } from './lib.ts';

interface Scenario {
  label: string;
  slotMinutes: number;
  hours: { opens: string; closes: string };
  capacity: number;
  days: number;
  attempts: number;
}

async function attemptAll(
  bases: string[],
  token: string,
  concurrency: number,
  bodies: object[],
): Promise<{ seconds: number; statuses: Map<number, number>; codes: Map<string, number> }> {
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const base = bases[worker % bases.length]!;
      for (let i = next++; i < bodies.length; i = next++) {
        const res = await fetch(`${base}/v1/appointments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(bodies[i]),
        });
        const body = (await res.json()) as { type?: string };
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 201) {
          const code = body.type?.split(':').pop() ?? 'unknown';
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, statuses, codes };
}

let consulates = 0;

async function run(
  prisma: PrismaClient,
  bases: string[],
  adminToken: string,
  concurrency: number,
  scenario: Scenario,
): Promise<void> {
  const consulate = await prisma.consulate.create({
    data: {
      code: `BENCH${++consulates}`,
      name: `Bench ${scenario.label}`,
      kind: 'consulate',
      city: 'Chicago',
      state: 'IL',
      timeZone: 'America/Chicago',
      status: 'active',
      services: ['passport'],
    },
  });
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` };
  const put = await fetch(`${bases[0]}/v1/consulates/${consulate.id}/schedule`, {
    method: 'PUT',
    headers: auth,
    body: JSON.stringify({
      slotMinutes: scenario.slotMinutes,
      weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ...scenario.hours })),
      services: [{ service: 'passport', capacityPerSlot: scenario.capacity }],
    }),
  });
  if (put.status !== 200) throw new Error(`schedule: ${put.status} ${await put.text()}`);

  // Slots from the day after tomorrow, as a client would find them.
  const from = DateTime.now().setZone('America/Chicago').plus({ days: 2 }).toISODate()!;
  const to = DateTime.fromISO(from)
    .plus({ days: scenario.days - 1 })
    .toISODate()!;
  const free = await fetch(
    `${bases[0]}/v1/appointments/availability?consulateId=${consulate.id}&service=passport&from=${from}&to=${to}`,
    { headers: auth },
  );
  const slots = ((await free.json()) as { data: { startsAt: string }[] }).data.map((s) => s.startsAt);
  const places = slots.length * scenario.capacity;

  const persons = Array.from({ length: scenario.attempts }, (_, i) => ({
    consulateId: consulate.id,
    givenNames: 'Bench',
    firstSurname: `Person ${i}`,
    nameSearch: `bench person ${i}`,
    dateOfBirth: new Date('1990-01-01T00:00:00Z'),
    birthCountry: 'MX',
    birthSubdivision: 'MX-JAL',
    genderMarker: 'F' as const,
  }));
  await prisma.person.createMany({ data: persons });
  const ids = (await prisma.person.findMany({ where: { consulateId: consulate.id }, select: { id: true } })).map(
    (p) => p.id,
  );
  const bodies = ids.map((personId, i) => ({
    personId,
    service: 'passport',
    consulateId: consulate.id,
    startsAt: slots[i % slots.length],
  }));

  const { seconds, statuses, codes } = await attemptAll(bases, adminToken, concurrency, bodies);
  const booked = statuses.get(201) ?? 0;
  const refused = [...statuses].filter(([s]) => s !== 201).reduce((n, [, c]) => n + c, 0);
  const inDb = await prisma.appointment.count({ where: { consulateId: consulate.id, state: 'booked' } });
  const counters = await prisma.appointmentSlot.aggregate({
    where: { consulateId: consulate.id },
    _sum: { booked: true },
    _max: { booked: true },
  });
  console.log(
    `  ${scenario.label.padEnd(13)} ${slots.length} slots × ${scenario.capacity} = ${places} places, ${bodies.length} attempts`,
  );
  console.log(
    `    ${fmt(bodies.length / seconds, 0)} requests/s, ${fmt(booked / seconds, 0)} bookings/s (${fmt(seconds, 2)} s)`,
  );
  console.log(
    `    booked ${booked}, refused ${refused} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ') || 'none'})`,
  );
  console.log(
    `    database: ${inDb} booked appointments, slot counters sum ${counters._sum.booked ?? 0}, fullest slot ${counters._max.booked ?? 0}/${scenario.capacity}` +
      (inDb === Math.min(places, bodies.length) ? '' : '  ← MISMATCH'),
  );
}

export async function benchBooking(concurrency = 32, attempts = 2000): Promise<void> {
  const db = await benchDatabase('booking');
  const config = toAppConfig(
    parseEnv({
      DATABASE_URL: db.url,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      LOG_LEVEL: 'silent',
      // One token makes every request: the per-actor limit is counted but never reached.
      RATE_LIMIT_PER_STAFF: '2147483647',
    }),
  );
  // Two API processes' worth: two apps, each with its own connection pool.
  const apps: FastifyInstance[] = [];
  const prisma = createPrismaClient(db.url, 2);
  try {
    for (let i = 0; i < 2; i++) apps.push(await buildApp({ config, logger: createLogger('silent') }));
    const bases: string[] = [];
    for (const app of apps) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      bases.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
    }
    await prisma.staffMember.create({
      data: {
        email: 'bench@consular.test',
        fullName: 'Bench',
        role: 'admin',
        passwordHash: await hashPassword('bench password 123'),
      },
    });
    const login = await fetch(`${bases[0]}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@consular.test', password: 'bench password 123' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    console.log(
      `booking: ${concurrency} clients over HTTP, 2 API instances (pool ${config.databasePoolMax} each), one PostgreSQL`,
    );
    // Warm-up: JIT, connection pools, prepared plans.
    await run(prisma, bases, accessToken, concurrency, {
      label: 'warm-up',
      slotMinutes: 5,
      hours: { opens: '00:00', closes: '23:55' },
      capacity: 1,
      days: 1,
      attempts: 200,
    });
    await run(prisma, bases, accessToken, concurrency, {
      label: 'contention',
      slotMinutes: 10,
      hours: { opens: '09:00', closes: '09:20' },
      capacity: 25,
      days: 2,
      attempts,
    });
    await run(prisma, bases, accessToken, concurrency, {
      label: 'no contention',
      slotMinutes: 5,
      hours: { opens: '00:00', closes: '23:55' },
      capacity: 1,
      days: 7,
      attempts,
    });
  } finally {
    for (const app of apps) await app.close();
    await prisma.$disconnect();
    await db.close();
  }
}
