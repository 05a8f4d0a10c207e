import type { JWT } from '@fastify/jwt';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient } from '../../db/client.ts';
import { created, writeTransaction } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, consulateScope, targetConsulate, type RequestContext } from '../../lib/access.ts';
import type { Clock } from '../../lib/clock.ts';
import { NotFoundError, PreconditionFailedError, UnauthorizedError } from '../../lib/errors.ts';
import { afterCreatedDesc, decodeCursor, toPage } from '../../lib/pagination.ts';
import { randomToken, safeEqual, sha256 } from '../../lib/tokens.ts';
import { KIOSK_AUDIENCE, type KioskTokenClaims } from '../../plugins/auth.ts';
import { recordAudit } from '../audit/audit.repository.ts';

const kioskSelect = {
  id: true,
  consulateId: true,
  name: true,
  location: true,
  enabled: true,
  disabledAt: true,
  lastSeenAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.KioskSelect;

type KioskRow = Prisma.KioskGetPayload<{ select: typeof kioskSelect }>;

export function toKioskJson(row: KioskRow) {
  return {
    ...row,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Kiosk secrets are 256 random bits: a SHA-256 of them cannot be reversed or
 * guessed, so the slow password hash (made for human-chosen secrets) is not
 * needed, and the token exchange stays cheap for a lobby full of devices.
 */
const newSecret = () => randomToken(32);

export class KiosksService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwt: JWT,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async register(ctx: RequestContext, input: { name: string; location?: string; consulateId?: string }) {
    assertCan(ctx.actor, 'kiosks:manage');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const secret = newSecret();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const consulate = await tx.consulate.findUnique({ where: { id: consulateId }, select: { id: true } });
      if (!consulate) throw new NotFoundError('Consulate');
      const row = await tx.kiosk.create({
        data: {
          consulateId,
          name: input.name,
          location: input.location ?? null,
          secretHash: sha256(secret),
          createdById: ctx.actor.id,
        },
        select: kioskSelect,
      });
      await recordAudit(tx, ctx, {
        action: 'kiosk.register',
        entityType: 'kiosk',
        entityId: row.id,
        consulateId,
        changedFields: ['name', 'location', 'secret'],
      });
      return created({ kioskId: row.id, secret, kiosk: toKioskJson(row) }, { location: `/v1/kiosks/${row.id}` });
    });
  }

  async list(ctx: RequestContext, input: { limit: number; cursor?: string; consulateId?: string }) {
    assertCan(ctx.actor, 'kiosks:manage');
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && input.consulateId && input.consulateId !== scope.consulateId)
      return { data: [], nextCursor: null };
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const rows = await this.prisma.kiosk.findMany({
      where: { AND: [scope, input.consulateId ? { consulateId: input.consulateId } : {}, afterCreatedDesc(cursor)] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit + 1,
      select: kioskSelect,
    });
    return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toKioskJson);
  }

  async get(ctx: RequestContext, id: string) {
    assertCan(ctx.actor, 'kiosks:manage');
    return toKioskJson(await this.visible(ctx, id));
  }

  async setEnabled(ctx: RequestContext, id: string, enabled: boolean) {
    assertCan(ctx.actor, 'kiosks:manage');
    const current = await this.visible(ctx, id);
    if (current.enabled === enabled) return toKioskJson(current);
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.kiosk.updateMany({
        where: { id, version: current.version },
        data: { enabled, disabledAt: enabled ? null : this.clock.now(), version: { increment: 1 } },
      });
      if (count !== 1) throw new PreconditionFailedError('The kiosk changed meanwhile: retry.');
      await recordAudit(tx, ctx, {
        action: enabled ? 'kiosk.enable' : 'kiosk.disable',
        entityType: 'kiosk',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['enabled'],
      });
      return toKioskJson(await tx.kiosk.findUniqueOrThrow({ where: { id }, select: kioskSelect }));
    });
  }

  /** A new secret, shown once; the old secret and every token issued with it stop working at once. */
  async rotateSecret(ctx: RequestContext, id: string) {
    assertCan(ctx.actor, 'kiosks:manage');
    const current = await this.visible(ctx, id);
    const secret = newSecret();
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.kiosk.updateMany({
        where: { id, version: current.version },
        data: { secretHash: sha256(secret), secretVersion: { increment: 1 }, version: { increment: 1 } },
      });
      if (count !== 1) throw new PreconditionFailedError('The kiosk changed meanwhile: retry.');
      await recordAudit(tx, ctx, {
        action: 'kiosk.rotate_secret',
        entityType: 'kiosk',
        entityId: id,
        consulateId: current.consulateId,
        changedFields: ['secret'],
      });
      const row = await tx.kiosk.findUniqueOrThrow({ where: { id }, select: kioskSelect });
      return { kioskId: id, secret, kiosk: toKioskJson(row) };
    });
  }

  /** Secret for a short-lived kiosk token. One answer for every refusal. */
  async token(kioskId: string, secret: string) {
    const kiosk = await this.prisma.kiosk.findUnique({
      where: { id: kioskId },
      select: { secretHash: true, secretVersion: true, enabled: true, consulateId: true },
    });
    if (!kiosk || !kiosk.enabled || !safeEqual(kiosk.secretHash, sha256(secret))) {
      throw new UnauthorizedError(
        'Unknown kiosk, wrong secret, or the kiosk is disabled.',
        'invalid-kiosk-credentials',
      );
    }
    const claims: KioskTokenClaims = { kind: 'kiosk', sub: kioskId, cid: kiosk.consulateId, sv: kiosk.secretVersion };
    await this.prisma.kiosk.update({ where: { id: kioskId }, data: { lastSeenAt: this.clock.now() } });
    return {
      accessToken: this.jwt.sign(claims, { expiresIn: this.config.kioskTokenTtlSeconds, aud: KIOSK_AUDIENCE }),
      tokenType: 'Bearer' as const,
      expiresIn: this.config.kioskTokenTtlSeconds,
    };
  }

  private async visible(ctx: RequestContext, id: string): Promise<KioskRow> {
    const row = await this.prisma.kiosk.findFirst({ where: { id, ...consulateScope(ctx.actor) }, select: kioskSelect });
    if (!row) throw new NotFoundError('Kiosk');
    return row;
  }
}
