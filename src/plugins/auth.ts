import fastifyJwt from '@fastify/jwt';
import { createVerifier } from 'fast-jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FeedCache } from '../db/changes.ts';
import { BoundedMap } from '../lib/bounded-map.ts';
import {
  assertCan,
  type Actor,
  type KioskActor,
  type Permission,
  type RequestContext,
  type Role,
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
    /** The staff account behind the session (staff requests). */
    account: StaffAccount | undefined;
    /** See RequestContext.touched. */
    touched: Set<string> | undefined;
  }
}

/** The staff context of an authenticated request (handlers behind `authenticate`). */
export function staffContext(request: FastifyRequest): RequestContext<StaffActor> {
  const actor = request.actor;
  if (actor?.kind !== 'staff') throw new UnauthorizedError();
  return { actor, requestId: request.id, touched: touchedBy(request), participant: request.idempotency?.participant };
}

/** The kiosk context of an authenticated request (handlers behind `authenticateKiosk`). */
export function kioskContext(request: FastifyRequest): RequestContext<KioskActor> {
  const actor = request.actor;
  if (actor?.kind !== 'kiosk') throw new UnauthorizedError();
  return { actor, requestId: request.id, touched: touchedBy(request), participant: request.idempotency?.participant };
}

/** The set the request's audited writes name their entities in (see RequestContext.touched). */
export function touchedBy(request: FastifyRequest): Set<string> {
  return (request.touched ??= new Set());
}

interface SessionState {
  account: StaffAccount;
}

interface KioskState {
  secretVersion: number;
  consulateId: string;
}

/** The account behind a staff session, as `GET /v1/auth/me` shows it. */
export interface StaffAccount {
  id: string;
  email: string;
  fullName: string;
  role: Role;
  consulateId: string | null;
  active: boolean;
  lastLoginAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface SessionRow {
  staff_id: string;
  email: string;
  full_name: string;
  role: Role;
  consulate_id: string | null;
  active: boolean;
  last_login_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const SESSION_SQL = `SELECT st.id AS staff_id, st.email, st.full_name, st.role::text AS role, st.consulate_id, st.active,
    st.last_login_at, st.version, st.created_at, st.updated_at
  FROM auth_sessions s JOIN staff st ON st.id = s.staff_id
  WHERE s.id = $1 AND s.revoked_at IS NULL`;

interface KioskRow {
  enabled: boolean;
  secret_version: number;
  consulate_id: string;
  last_seen_at: Date | null;
}

const KIOSK_SQL = 'SELECT enabled, secret_version, consulate_id, last_seen_at FROM kiosks WHERE id = $1';

const TOUCH_KIOSK_SQL = `UPDATE kiosks SET last_seen_at = $2
  WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3)`;

/** `Authorization: Bearer <token>` → the token; undefined for anything else. */
function bearerToken(header: string): string | undefined {
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = header.slice(space + 1).trim();
  return token && !token.includes(' ') ? token : undefined;
}

/** Verified tokens kept, and for how long at most. */
const VERIFIED_TOKENS = 10_000;
const VERIFIED_TOKEN_MS = 600_000;

export default fp(
  async (app) => {
    // @fastify/jwt signs (app.jwt.sign); requests are verified by fast-jwt's
    // own verifier below, which @fastify/jwt wraps.
    await app.register(fastifyJwt, {
      secret: app.config.jwtSecret,
      // Each sign call names its audience (STAFF_AUDIENCE or KIOSK_AUDIENCE); no token is signed without an expiry.
      sign: {
        algorithm: 'HS256',
        iss: TOKEN_ISSUER,
        header: { alg: 'HS256', typ: TOKEN_TYPE },
        expiresIn: app.config.accessTokenTtlSeconds,
      },
    });
    // The signature and claims of a token, checked once: the outcome is kept
    // (by the token itself) until the token expires, at most ten minutes, so
    // an officer's next requests skip the HMAC and the parsing
    // (docs/decisions.md). Whether its session is still live is asked on
    // every request below, not cached here.
    const verifyFresh = createVerifier({
      key: app.config.jwtSecret,
      algorithms: ['HS256'],
      checkTyp: TOKEN_TYPE,
      allowedIss: TOKEN_ISSUER,
      allowedAud: [STAFF_AUDIENCE, KIOSK_AUDIENCE],
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'kind'],
    });
    const verified = new BoundedMap<string, { claims: unknown; until: number }>(VERIFIED_TOKENS);
    const verifyToken = (token: string): unknown => {
      const now = Date.now();
      const known = verified.get(token);
      if (known) {
        if (known.until > now) return known.claims;
        verified.delete(token);
      }
      const claims = verifyFresh(token) as { exp: number; nbf?: number };
      if (claims.nbf === undefined || claims.nbf * 1000 <= now) {
        verified.set(token, { claims, until: Math.min(claims.exp * 1000, now + VERIFIED_TOKEN_MS) });
      }
      return claims;
    };
    const verifiedClaims = (request: FastifyRequest): TokenClaims => {
      const header = request.headers.authorization;
      if (!header) throw new UnauthorizedError('Send an access token: Authorization: Bearer <token>.');
      const token = bearerToken(header);
      let claims: unknown;
      try {
        claims = token ? verifyToken(token) : undefined;
      } catch {
        claims = undefined;
      }
      // The audience must also match the kind: anything else is 401.
      if (!claims || !audienceFitsKind(claims)) {
        throw new UnauthorizedError('The access token is invalid or has expired.', 'invalid-token');
      }
      return claims as TokenClaims;
    };

    app.decorateRequest('actor', undefined);
    app.decorateRequest('account', undefined);
    app.decorateRequest('touched', undefined);

    // Live sessions and kiosks, as the database last said, while the change
    // feed vouches for them (src/db/changes.ts): a revoked session, a
    // deactivated account, a changed role or a disabled kiosk is dropped the
    // moment the database announces it — on this replica before the answer
    // that made the change leaves. Only valid state is cached.
    const sessions = new FeedCache<SessionState>(app.changes, { maxEntries: 20_000, ttlMs: 5 * 60_000 });
    const kiosks = new FeedCache<KioskState>(app.changes, { maxEntries: 5_000, ttlMs: 5 * 60_000 });
    const kioskSeen = new Map<string, number>();
    app.changes.onChange((key) => {
      const colon = key.indexOf(':');
      const type = key.slice(0, colon);
      const id = key.slice(colon + 1);
      if (type === 'auth_session') sessions.delete(id);
      else if (type === 'staff') sessions.deleteWhere((state) => state.account.id === id);
      else if (type === 'kiosk') kiosks.delete(id);
    });
    app.addHook('onSend', (request, _reply, payload, done) => {
      const touched = request.touched;
      if (touched?.size) for (const key of touched) app.changes.publishLocal(key);
      done(null, payload);
    });

    const readSession = async (sessionId: string): Promise<SessionState | undefined> => {
      const row = await app.sql.one<SessionRow>(SESSION_SQL, [sessionId]);
      if (!row || !row.active) return undefined;
      return {
        account: {
          id: row.staff_id,
          email: row.email,
          fullName: row.full_name,
          role: row.role,
          consulateId: row.consulate_id,
          active: row.active,
          lastLoginAt: row.last_login_at,
          version: row.version,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        },
      };
    };

    app.decorate('authenticate', async (request: FastifyRequest) => {
      const claims = verifiedClaims(request);
      if (claims.kind !== 'staff') {
        throw new ForbiddenError('Kiosk tokens are not accepted on staff endpoints.');
      }
      // The session and its account, from the cache or one primary-key read: a
      // revoked session (logout, refresh reuse) or a deactivated account stops
      // working at once, and role or consulate changes apply immediately.
      const session = await sessions.fill(claims.sid, () => readSession(claims.sid));
      if (!session || session.account.id !== claims.sub) {
        throw new UnauthorizedError('The session has ended: log in again.', 'session-ended');
      }
      request.account = session.account;
      request.actor = {
        kind: 'staff',
        id: claims.sub,
        role: session.account.role,
        consulateId: session.account.consulateId,
        sessionId: claims.sid,
      };
    });

    app.decorate('authenticateKiosk', async (request: FastifyRequest) => {
      const claims = verifiedClaims(request);
      if (claims.kind !== 'kiosk') {
        throw new ForbiddenError('Only kiosk tokens are accepted on kiosk endpoints.');
      }
      // A disabled kiosk, or one whose secret was rotated since the token was
      // issued, stops working at the next request.
      const kiosk = await kiosks.fill(claims.sub, async () => {
        const row = await app.sql.one<KioskRow>(KIOSK_SQL, [claims.sub]);
        if (!row?.enabled) return undefined;
        if (row.last_seen_at && !kioskSeen.has(claims.sub)) kioskSeen.set(claims.sub, row.last_seen_at.getTime());
        return { secretVersion: row.secret_version, consulateId: row.consulate_id };
      });
      if (!kiosk || kiosk.secretVersion !== claims.sv || kiosk.consulateId !== claims.cid) {
        throw new UnauthorizedError('This kiosk is disabled or its token is no longer valid.', 'kiosk-disabled');
      }
      const now = app.clock.now();
      // Last seen, at most once a minute per kiosk (not a write per request); the
      // conditional update keeps it so across replicas.
      const seen = kioskSeen.get(claims.sub);
      if (seen === undefined || now.getTime() - seen > 60_000) {
        if (kioskSeen.size > 10_000) kioskSeen.clear();
        kioskSeen.set(claims.sub, now.getTime());
        await app.sql.rows(TOUCH_KIOSK_SQL, [claims.sub, now, new Date(now.getTime() - 60_000)]);
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
