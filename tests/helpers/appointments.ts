import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

type Headers = Record<string, string>;

/** A weekday schedule: Monday to Friday 09:00–12:00, 30-minute slots. */
export const WEEKDAY_SCHEDULE = {
  slotMinutes: 30,
  weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '12:00' })),
  services: [
    { service: 'passport', capacityPerSlot: 2 },
    { service: 'consular_id', capacityPerSlot: 3 },
  ],
};

export async function putSchedule(app: FastifyInstance, headers: Headers, consulateId: string, body: object) {
  const res = await app.inject({
    method: 'PUT',
    url: `/v1/consulates/${consulateId}/schedule`,
    headers,
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** A weekend mobile consulate: Saturday and Sunday, 09:00–13:00, hourly slots. */
export function visitPayload(overrides: Record<string, unknown> = {}) {
  return {
    hostCity: 'Santa Ana',
    hostState: 'CA',
    venue: 'Parroquia de Nuestra Señora de Guadalupe',
    address: '1322 E 4th St, Santa Ana, CA 92701',
    days: [
      { date: '2026-11-07', opens: '09:00', closes: '13:00' },
      { date: '2026-11-08', opens: '09:00', closes: '13:00' },
    ],
    services: ['passport', 'consular_id'],
    slotMinutes: 60,
    capacityPerSlot: 2,
    ...overrides,
  };
}

export async function createVisit(app: FastifyInstance, headers: Headers, overrides: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/mobile-visits', headers, payload: visitPayload(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export function book(app: FastifyInstance, headers: Headers, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/v1/appointments', headers, payload });
}

export async function booked(app: FastifyInstance, headers: Headers, payload: Record<string, unknown>) {
  const res = await book(app, headers, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** POST a transition with the record's current ETag. */
export async function moveTo(
  app: FastifyInstance,
  headers: Headers,
  resource: 'appointments' | 'mobile-visits',
  id: string,
  to: string,
  reason?: string,
) {
  const current = await app.inject({ url: `/v1/${resource}/${id}`, headers });
  return app.inject({
    method: 'POST',
    url: `/v1/${resource}/${id}/transitions`,
    headers: { ...headers, 'if-match': current.headers.etag ?? '"1"' },
    payload: { to, ...(reason ? { reason } : {}) },
  });
}

export async function availability(app: FastifyInstance, headers: Headers, query: Record<string, string>) {
  const res = await app.inject({
    url: `/v1/appointments/availability?${new URLSearchParams(query).toString()}`,
    headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
