import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { LoggedIn } from './login-as.ts';

export interface KioskDevice {
  kioskId: string;
  secret: string;
  token: string;
  headers: { authorization: string };
}

/** Registers a kiosk through the API as `manager` and gets it a token. */
export async function registerKiosk(
  app: FastifyInstance,
  manager: LoggedIn,
  name = 'Lobby kiosk 1',
): Promise<KioskDevice> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/kiosks',
    headers: manager.headers,
    payload: { name, location: 'Main lobby' },
  });
  expect(res.statusCode, res.body).toBe(201);
  const { kioskId, secret } = res.json();
  const token = await kioskToken(app, kioskId, secret);
  expect(token.statusCode, token.body).toBe(200);
  const accessToken = token.json().accessToken as string;
  return { kioskId, secret, token: accessToken, headers: { authorization: `Bearer ${accessToken}` } };
}

export const kioskToken = (app: FastifyInstance, kioskId: string, secret: string) =>
  app.inject({ method: 'POST', url: '/v1/kiosk/token', payload: { kioskId, secret } });
