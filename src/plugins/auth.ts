import fastifyJwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  assertCan,
  type Actor,
  type KioskActor,
  type Permission,
  type RequestContext,
  type StaffActor,
} from '../lib/access.ts';
import { ForbiddenError, UnauthorizedError } from '../lib/errors.ts';

/** Claims of a staff access token. Role and consulate are informative: each request reads them fresh. */
export interface StaffTokenClaims {
  kind: 'staff';
  sub: string;
  sid: string;
  role: string;
  cid: string | null;
}

/** Claims of a kiosk token. `sv` is the secret version the token was issued for. */
export interface KioskTokenClaims {
  kind: 'kiosk';
  sub: string;
  cid: string;
  sv: number;
}

export type TokenClaims = StaffTokenClaims | KioskTokenClaims;

/**
 * RFC 8725 (JWT Best Current Practices): one algorithm (HS256), an explicit
 * type (`at+jwt`, RFC 9068 access tokens), the issuer, and an audience per
 * kind of token, so that a kiosk token is never taken for a staff token nor
 * the other way round — even by code that forgot to look at `kind`.
 */
export const TOKEN_ISSUER = 'consular-api';
export const TOKEN_TYPE = 'at+jwt';
export const STAFF_AUDIENCE = 'consular-api:staff';
export const KIOSK_AUDIENCE = 'consular-api:kiosk';

/** A token's audience must be the one of its kind (exactly one audience). */
function audienceFitsKind(claims: { aud?: unknown; kind?: unknown }): boolean {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.length !== 1) return false;
  return (
    (claims.kind === 'staff' && audiences[0] === STAFF_AUDIENCE) ||
    (claims.kind === 'kiosk' && audiences[0] === KIOSK_AUDIENCE)
  );
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest: a valid staff access token whose session and account are still live. */
    authenticate: Hook;
    /** onRequest: a valid kiosk token of an enabled kiosk. */
    authenticateKiosk: Hook;
    /** preHandler: 403 unless the staff actor's role has the permission. */
    authorize: (permission: Permission) => Hook;
  }
  interface FastifyRequest {
    actor: Actor | undefined;
  }
}

/** The staff context of an authenticated request (handlers behind `authenticate`). */
export function staffContext(request: FastifyRequest): RequestContext<StaffActor> {
  const actor = request.actor;
  if (actor?.kind !== 'staff') throw new UnauthorizedError();
  return { actor, requestId: request.id };
}

/** The kiosk context of an authenticated request (handlers behind `authenticateKiosk`). */
export function kioskContext(request: FastifyRequest): RequestContext<KioskActor> {
  const actor = request.actor;
  if (actor?.kind !== 'kiosk') throw new UnauthorizedError();
  return { actor, requestId: request.id };
}

async function verifiedClaims(request: FastifyRequest): Promise<TokenClaims> {
  if (!request.headers.authorization) {
    throw new UnauthorizedError('Send an access token: Authorization: Bearer <token>.');
  }
  try {
    return await request.jwtVerify<TokenClaims>();
  } catch {
    throw new UnauthorizedError('The access token is invalid or has expired.', 'invalid-token');
  }
}

export default fp(
  async (app) => {
    await app.register(fastifyJwt, {
      secret: app.config.jwtSecret,
      // Each sign call names its audience (STAFF_AUDIENCE or KIOSK_AUDIENCE); no token is signed without an expiry.
      sign: {
        algorithm: 'HS256',
        iss: TOKEN_ISSUER,
        header: { alg: 'HS256', typ: TOKEN_TYPE },
        expiresIn: app.config.accessTokenTtlSeconds,
      },
      verify: {
        algorithms: ['HS256'],
        checkTyp: TOKEN_TYPE,
        allowedIss: TOKEN_ISSUER,
        allowedAud: [STAFF_AUDIENCE, KIOSK_AUDIENCE],
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'kind'],
      },
      // Anything else is 401 (verifiedClaims): the audience must match the kind.
      trusted: (_request, claims) => audienceFitsKind(claims as { aud?: unknown; kind?: unknown }),
    });

    app.decorateRequest('actor', undefined);

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const claims = await verifiedClaims(request);
      if (claims.kind !== 'staff') {
        throw new ForbiddenError('Kiosk tokens are not accepted on staff endpoints.');
      }
      // One primary-key lookup per request: a revoked session (logout, refresh
      // reuse) or a deactivated account stops working at once, and role or
      // consulate changes apply immediately.
      const session = await app.prisma.authSession.findUnique({
        where: { id: claims.sid },
        select: {
          revokedAt: true,
          staffId: true,
          staff: { select: { active: true, role: true, consulateId: true } },
        },
      });
      if (!session || session.revokedAt || session.staffId !== claims.sub || !session.staff.active) {
        throw new UnauthorizedError('The session has ended: log in again.', 'session-ended');
      }
      request.actor = {
        kind: 'staff',
        id: claims.sub,
        role: session.staff.role,
        consulateId: session.staff.consulateId,
        sessionId: claims.sid,
      };
    });

    app.decorate('authenticateKiosk', async (request: FastifyRequest) => {
      const claims = await verifiedClaims(request);
      if (claims.kind !== 'kiosk') {
        throw new ForbiddenError('Only kiosk tokens are accepted on kiosk endpoints.');
      }
      // One primary-key lookup: a disabled kiosk, or one whose secret was
      // rotated since the token was issued, stops working at the next request.
      const kiosk = await app.prisma.kiosk.findUnique({
        where: { id: claims.sub },
        select: { enabled: true, secretVersion: true, consulateId: true, lastSeenAt: true },
      });
      if (!kiosk || !kiosk.enabled || kiosk.secretVersion !== claims.sv || kiosk.consulateId !== claims.cid) {
        throw new UnauthorizedError('This kiosk is disabled or its token is no longer valid.', 'kiosk-disabled');
      }
      const now = app.clock.now();
      // Last seen, at most once a minute per kiosk (not a write per request).
      if (!kiosk.lastSeenAt || now.getTime() - kiosk.lastSeenAt.getTime() > 60_000) {
        await app.prisma.kiosk.updateMany({
          where: {
            id: claims.sub,
            OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: new Date(now.getTime() - 60_000) } }],
          },
          data: { lastSeenAt: now },
        });
      }
      const actor: KioskActor = { kind: 'kiosk', id: claims.sub, consulateId: kiosk.consulateId };
      request.actor = actor;
    });

    app.decorate('authorize', (permission: Permission): Hook => async (request) => {
      const actor = request.actor;
      if (actor?.kind !== 'staff') throw new UnauthorizedError();
      assertCan(actor, permission);
    });
  },
  { name: 'auth', dependencies: ['config', 'prisma'] },
);
