import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

/** Valid details per type, for request bodies. */
export const DETAILS = {
  passport: { application: 'first', validityYears: 6 },
  consular_id: {
    usAddress: { line1: '1200 W 7th St', city: 'Los Angeles', state: 'CA', postalCode: '90017' },
    genderMarker: 'X',
    identityDocument: { kind: 'birth_certificate', number: 'JAL-1990-55521' },
  },
  birth_registration: {
    child: {
      givenNames: 'Sofía',
      firstSurname: 'Núñez',
      sexMarker: 'F',
      dateOfBirth: '2025-11-02',
      placeOfBirth: { country: 'US', city: 'Los Angeles' },
    },
    parents: [{ givenNames: 'María José', firstSurname: 'Núñez', nationality: 'MX' }],
  },
  gender_identity_recognition: {
    registeredName: { givenNames: 'Juan Carlos', firstSurname: 'Pérez', secondSurname: 'López' },
    registeredMarker: 'M',
    newName: { givenNames: 'Juana Carla', firstSurname: 'Pérez', secondSurname: 'López' },
    newMarker: 'F',
    originalBirthRecord: { state: 'MX-MIC', municipality: 'Morelia', recordNumber: '00123', year: 1985 },
  },
} as const;

export type DocType = keyof typeof DETAILS;

export async function fileRequest(
  app: FastifyInstance,
  headers: Record<string, string>,
  personId: string,
  type: DocType = 'passport',
  extra: Record<string, unknown> = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/documentation-requests',
    headers,
    payload: { personId, type, details: DETAILS[type], ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** POST a transition with the request's current ETag. */
export async function move(
  app: FastifyInstance,
  headers: Record<string, string>,
  id: string,
  to: string,
  reason?: string,
) {
  const current = await app.inject({ url: `/v1/documentation-requests/${id}`, headers });
  return app.inject({
    method: 'POST',
    url: `/v1/documentation-requests/${id}/transitions`,
    // Callers who cannot read the request still get an answer to the move itself.
    headers: { ...headers, 'if-match': current.headers.etag ?? '"1"' },
    payload: { to, ...(reason ? { reason } : {}) },
  });
}

/** Moves through `path`, asserting each step succeeds; returns the last body. */
export async function walk(app: FastifyInstance, headers: Record<string, string>, id: string, path: readonly string[]) {
  let body: any;
  for (const to of path) {
    const res = await move(app, headers, id, to, 'reason given');
    expect(res.statusCode, `→ ${to}: ${res.body}`).toBe(200);
    body = res.json();
  }
  return body;
}
