import type { JWT } from '@fastify/jwt';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient, Tx } from '../../db/client.ts';
import type { RequestContext, StaffActor } from '../../lib/access.ts';
import { NotFoundError, UnauthorizedError } from '../../lib/errors.ts';
import { verifyAgainstNothing, verifyPassword } from '../../lib/passwords.ts';
import { randomToken, sha256 } from '../../lib/tokens.ts';
import { STAFF_AUDIENCE, type StaffTokenClaims } from '../../plugins/auth.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.repository.ts';
import { findStaff, staffSelect, type StaffRow } from '../staff/staff.repository.ts';
import { toStaffJson } from '../staff/staff.service.ts';

/** One answer for unknown email, wrong password, inactive or locked account: no oracle. */
const BAD_CREDENTIALS = 'The email or password is wrong, or the account is locked or inactive.';

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: ReturnType<typeof toStaffJson>;
}

export class AuthService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwt: JWT,
    private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string, requestId: string): Promise<LoginResult> {
    const account = await this.prisma.staffMember.findUnique({
      where: { email },
      select: { ...staffSelect, passwordHash: true, lockedUntil: true, failedLoginCount: true },
    });
    if (!account) {
      await verifyAgainstNothing(password);
      throw new UnauthorizedError(BAD_CREDENTIALS, 'invalid-credentials');
    }
    const ok = await verifyPassword(account.passwordHash, password);
    const locked = account.lockedUntil !== null && account.lockedUntil > new Date();
    const systemCtx = { actor: SYSTEM_ACTOR, requestId };

    if (!ok) {
      await this.prisma.$transaction(async (tx) => {
        // One statement, so concurrent failures all count.
        const [row] = await tx.$queryRaw<{ failed_login_count: number; locked: boolean }[]>`
          UPDATE staff
          SET failed_login_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1
                                        ELSE failed_login_count + 1 END,
              locked_until = CASE
                WHEN locked_until IS NOT NULL AND locked_until > now() THEN locked_until
                WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_login_count + 1 END) >= ${this.config.login.maxFailures}
                  THEN now() + make_interval(mins => ${this.config.login.lockoutMinutes})
                ELSE NULL END
          WHERE id = ${account.id}::uuid
          RETURNING failed_login_count, (locked_until IS NOT NULL AND locked_until > now()) AS locked`;
        await recordAudit(tx, systemCtx, {
          action: row?.locked && !locked ? 'auth.locked' : 'auth.login_failed',
          entityType: 'staff',
          entityId: account.id,
          consulateId: account.consulateId,
          changedFields: ['failedLoginCount', ...(row?.locked && !locked ? ['lockedUntil'] : [])],
        });
      });
      throw new UnauthorizedError(BAD_CREDENTIALS, 'invalid-credentials');
    }
    if (locked || !account.active) {
      throw new UnauthorizedError(BAD_CREDENTIALS, 'invalid-credentials');
    }

    return this.prisma.$transaction(async (tx) => {
      await tx.staffMember.update({
        where: { id: account.id },
        data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: new Date() },
      });
      const session = await tx.authSession.create({ data: { staffId: account.id }, select: { id: true } });
      const refreshToken = await this.issueRefreshToken(tx, session.id);
      const actor: StaffActor = {
        kind: 'staff',
        id: account.id,
        role: account.role,
        consulateId: account.consulateId,
        sessionId: session.id,
      };
      await recordAudit(
        tx,
        { actor, requestId },
        {
          action: 'auth.login',
          entityType: 'staff',
          entityId: account.id,
          consulateId: account.consulateId,
          changedFields: ['lastLoginAt'],
        },
      );
      const user = await findStaff(tx, { id: account.id });
      return this.tokens(actor, refreshToken, toStaffJson(user!));
    });
  }

  /**
   * Exchanges a refresh token for a new pair. A spent token presented again
   * means it was stolen or leaked: the whole session (token family) is revoked.
   */
  async refresh(refreshToken: string, requestId: string, touched?: Set<string>): Promise<LoginResult> {
    const tokenHash = sha256(refreshToken);
    const found = await this.prisma.refreshToken.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        usedAt: true,
        expiresAt: true,
        session: {
          select: {
            id: true,
            revokedAt: true,
            staff: { select: { id: true, active: true, role: true, consulateId: true } },
          },
        },
      },
    });
    const invalid = new UnauthorizedError(
      'The refresh token is invalid, expired or revoked: log in again.',
      'invalid-refresh-token',
    );
    if (!found || found.session.revokedAt || !found.session.staff.active || found.expiresAt <= new Date())
      throw invalid;
    const staff = found.session.staff;
    const actor: StaffActor = {
      kind: 'staff',
      id: staff.id,
      role: staff.role,
      consulateId: staff.consulateId,
      sessionId: found.session.id,
    };

    const result = await this.prisma.$transaction(async (tx) => {
      // Spend the token only if nobody spent it first (concurrent reuse included).
      const spent = await tx.refreshToken.updateMany({
        where: { id: found.id, usedAt: null },
        data: { usedAt: new Date() },
      });
      if (spent.count === 0) {
        await tx.authSession.update({
          where: { id: found.session.id },
          data: { revokedAt: new Date(), revokedReason: 'refresh_token_reuse' },
        });
        await recordAudit(
          tx,
          { actor, requestId, touched },
          {
            action: 'auth.refresh_reuse_detected',
            entityType: 'auth_session',
            entityId: found.session.id,
            consulateId: staff.consulateId,
            changedFields: ['revokedAt'],
          },
        );
        return null;
      }
      const next = await this.issueRefreshToken(tx, found.session.id);
      const user = await findStaff(tx, { id: staff.id });
      return this.tokens(actor, next, toStaffJson(user!));
    });
    if (!result) throw invalid;
    return result;
  }

  /** Ends the caller's session (and, if given, the session of a refresh token of theirs). */
  async logout(ctx: RequestContext, refreshToken: string | undefined): Promise<void> {
    const sessionIds = new Set([ctx.actor.sessionId]);
    if (refreshToken) {
      const found = await this.prisma.refreshToken.findUnique({
        where: { tokenHash: sha256(refreshToken) },
        select: { session: { select: { id: true, staffId: true } } },
      });
      if (found?.session.staffId === ctx.actor.id) sessionIds.add(found.session.id);
    }
    await this.prisma.$transaction(async (tx) => {
      await tx.authSession.updateMany({
        where: { id: { in: [...sessionIds] }, revokedAt: null },
        data: { revokedAt: new Date(), revokedReason: 'logout' },
      });
      for (const id of sessionIds) ctx.touched?.add(`auth_session:${id}`);
      await recordAudit(tx, ctx, {
        action: 'auth.logout',
        entityType: 'auth_session',
        entityId: ctx.actor.sessionId,
        consulateId: ctx.actor.consulateId,
        changedFields: ['revokedAt'],
      });
    });
  }

  /** The caller's account; `known` is the one authentication just read (or found cached). */
  async me(ctx: RequestContext, known?: StaffRow) {
    if (known?.id === ctx.actor.id) return toStaffJson(known);
    const row = await findStaff(this.prisma, { id: ctx.actor.id });
    if (!row) throw new NotFoundError('Staff member');
    return toStaffJson(row);
  }

  private async issueRefreshToken(tx: Tx, sessionId: string): Promise<string> {
    const token = randomToken();
    await tx.refreshToken.create({
      data: {
        sessionId,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
      },
    });
    return token;
  }

  private tokens(actor: StaffActor, refreshToken: string, user: ReturnType<typeof toStaffJson>): LoginResult {
    const claims: StaffTokenClaims = {
      kind: 'staff',
      sub: actor.id,
      sid: actor.sessionId,
      role: actor.role,
      cid: actor.consulateId,
    };
    const accessToken = this.jwt.sign(claims, { expiresIn: this.config.accessTokenTtlSeconds, aud: STAFF_AUDIENCE });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.config.accessTokenTtlSeconds, user };
  }
}
