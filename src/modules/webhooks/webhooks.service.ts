import type { z } from 'zod';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { Answer, created, writeTransaction } from '../../db/transaction.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, consulateScope, type RequestContext } from '../../lib/access.ts';
import type { Clock } from '../../lib/clock.ts';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCreatedDesc, decodeCursor, toPage } from '../../lib/pagination.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { newSigningSecret, type SecretBox } from './webhooks.crypto.ts';
import { refuseTarget, type TargetPolicy } from './webhooks.http.ts';
import type { WebhookEventType } from './webhooks.events.ts';
import type { createWebhookBody, deliveryListQuery, updateWebhookBody } from './webhooks.schemas.ts';

const subscriptionSelect = {
  id: true,
  consulateId: true,
  url: true,
  events: true,
  description: true,
  enabled: true,
  disabledAt: true,
  disabledReason: true,
  failingSince: true,
  secretRotatedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookSubscriptionSelect;

type SubscriptionRow = Prisma.WebhookSubscriptionGetPayload<{ select: typeof subscriptionSelect }>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toWebhookJson(row: SubscriptionRow) {
  return {
    ...row,
    events: row.events as WebhookEventType[],
    disabledAt: iso(row.disabledAt),
    failingSince: iso(row.failingSince),
    secretRotatedAt: iso(row.secretRotatedAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const deliverySelect = {
  id: true,
  subscriptionId: true,
  eventId: true,
  entityId: true,
  status: true,
  attempts: true,
  lastAttemptAt: true,
  lastStatusCode: true,
  lastLatencyMs: true,
  lastError: true,
  nextAttemptAt: true,
  completedAt: true,
  createdAt: true,
  event: { select: { type: true } },
} satisfies Prisma.WebhookDeliverySelect;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof deliverySelect }>;

function toDeliveryJson({ event, ...row }: DeliveryRow) {
  return {
    ...row,
    eventType: event.type as WebhookEventType,
    lastAttemptAt: iso(row.lastAttemptAt),
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    completedAt: iso(row.completedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

type CreateInput = z.output<typeof createWebhookBody>;
type UpdateInput = z.output<typeof updateWebhookBody>;
type DeliveryListInput = z.output<typeof deliveryListQuery>;

/**
 * Subscriptions: admins make the network's (every consulate's events,
 * confidential cases' as ids only), supervisors their consulate's. Another
 * consulate's subscription is 404. Every change is audited with it.
 */
export class WebhooksService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly box: SecretBox,
    private readonly policy: TargetPolicy,
  ) {}

  private checkUrl(url: string): void {
    const refused = refuseTarget(url, this.policy);
    if (refused) throw new BadRequestError(`The url ${refused}.`, [{ path: 'body.url', message: refused }]);
  }

  async create(ctx: RequestContext, input: CreateInput) {
    assertCan(ctx.actor, 'webhooks:manage');
    this.checkUrl(input.url);
    const secret = newSigningSecret();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const row = await tx.webhookSubscription.create({
        data: {
          consulateId: ctx.actor.consulateId,
          url: input.url,
          events: input.events,
          description: input.description ?? null,
          secretCiphertext: this.box.seal(secret),
          createdById: ctx.actor.id,
        },
        select: subscriptionSelect,
      });
      await recordAudit(tx, ctx, {
        action: 'webhook.create',
        entityType: 'webhook_subscription',
        entityId: row.id,
        consulateId: row.consulateId,
        changedFields: ['url', 'events', 'description', 'secret'],
        details: { events: input.events },
      });
      return created(
        { webhookId: row.id, secret, webhook: toWebhookJson(row) },
        { location: `/v1/webhooks/${row.id}`, etag: `"${row.version}"` },
      );
    });
  }

  async list(ctx: RequestContext, input: { limit: number; cursor?: string | undefined }) {
    assertCan(ctx.actor, 'webhooks:manage');
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const rows = await this.prisma.webhookSubscription.findMany({
      where: { AND: [consulateScope(ctx.actor), afterCreatedDesc(cursor)] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit + 1,
      select: subscriptionSelect,
    });
    return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toWebhookJson);
  }

  async get(ctx: RequestContext, id: string) {
    assertCan(ctx.actor, 'webhooks:manage');
    return toWebhookJson(await this.visible(this.prisma, ctx, id));
  }

  async update(ctx: RequestContext, id: string, version: number, input: UpdateInput) {
    assertCan(ctx.actor, 'webhooks:manage');
    if (input.url !== undefined) this.checkUrl(input.url);
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.version !== version) throw new PreconditionFailedError();
      const data: Prisma.WebhookSubscriptionUncheckedUpdateManyInput = {};
      if (input.url !== undefined) data.url = input.url;
      if (input.events !== undefined) data.events = input.events;
      if (input.description !== undefined) data.description = input.description;
      return this.change(tx, ctx, current, data, 'webhook.update');
    });
  }

  async setEnabled(ctx: RequestContext, id: string, enabled: boolean) {
    assertCan(ctx.actor, 'webhooks:manage');
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      if (current.enabled === enabled) return toWebhookJson(current);
      const now = this.clock.now();
      const data: Prisma.WebhookSubscriptionUncheckedUpdateManyInput = enabled
        ? { enabled, disabledAt: null, disabledReason: null, failingSince: null }
        : { enabled, disabledAt: now, disabledReason: `Disabled by ${ctx.actor.role} ${ctx.actor.id}.` };
      return this.change(tx, ctx, current, data, enabled ? 'webhook.enable' : 'webhook.disable');
    });
  }

  /** A new secret, shown once; the old one stops signing at once. */
  async rotateSecret(ctx: RequestContext, id: string) {
    assertCan(ctx.actor, 'webhooks:manage');
    const secret = newSigningSecret();
    return this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      const webhook = await this.change(
        tx,
        ctx,
        current,
        { secretCiphertext: this.box.seal(secret), secretRotatedAt: this.clock.now() },
        'webhook.rotate_secret',
        ['secret'],
      );
      return { webhookId: id, secret, webhook };
    });
  }

  /** Deletes the subscription and its deliveries (the events stay in the outbox). */
  async remove(ctx: RequestContext, id: string): Promise<void> {
    assertCan(ctx.actor, 'webhooks:manage');
    await this.prisma.$transaction(async (tx) => {
      const current = await this.visible(tx, ctx, id);
      await tx.webhookSubscription.delete({ where: { id } });
      await recordAudit(tx, ctx, {
        action: 'webhook.delete',
        entityType: 'webhook_subscription',
        entityId: id,
        consulateId: current.consulateId,
      });
    });
  }

  async deliveries(ctx: RequestContext, id: string, input: DeliveryListInput) {
    assertCan(ctx.actor, 'webhooks:manage');
    await this.visible(this.prisma, ctx, id);
    const cursor = decodeCursor(input.cursor, ['string', 'string']);
    const rows = await this.prisma.webhookDelivery.findMany({
      where: { AND: [{ subscriptionId: id }, input.status ? { status: input.status } : {}, afterCreatedDesc(cursor)] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: input.limit + 1,
      select: deliverySelect,
    });
    return toPage(rows, input.limit, (r) => [r.createdAt.toISOString(), r.id], toDeliveryJson);
  }

  /** Sends a delivery's event again, as a new delivery due now (same `webhook-id`). */
  async redeliver(ctx: RequestContext, id: string, deliveryId: string) {
    assertCan(ctx.actor, 'webhooks:manage');
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const subscription = await this.visible(tx, ctx, id);
      if (!subscription.enabled) {
        throw new ConflictError('The subscription is disabled: enable it first.', 'webhook-disabled');
      }
      const original = await tx.webhookDelivery.findFirst({
        where: { id: deliveryId, subscriptionId: id },
        select: { eventId: true, eventSeq: true, entityId: true, status: true },
      });
      if (!original) throw new NotFoundError('Delivery');
      if (original.status === 'pending') {
        throw new ConflictError('The delivery is still being attempted.', 'delivery-pending');
      }
      const now = this.clock.now();
      const row = await tx.webhookDelivery.create({
        data: {
          subscriptionId: id,
          eventId: original.eventId,
          eventSeq: original.eventSeq,
          entityId: original.entityId,
          nextAttemptAt: now,
          createdAt: now,
        },
        select: deliverySelect,
      });
      await recordAudit(tx, ctx, {
        action: 'webhook.redeliver',
        entityType: 'webhook_subscription',
        entityId: id,
        consulateId: subscription.consulateId,
        details: { deliveryId, newDeliveryId: row.id },
      });
      return new Answer(202, toDeliveryJson(row), { location: `/v1/webhooks/${id}/deliveries` });
    });
  }

  private async change(
    tx: Tx,
    ctx: RequestContext,
    current: SubscriptionRow,
    data: Prisma.WebhookSubscriptionUncheckedUpdateManyInput,
    action: string,
    changedFields: string[] = Object.keys(data),
  ) {
    const { count } = await tx.webhookSubscription.updateMany({
      where: { id: current.id, version: current.version },
      data: { ...data, version: { increment: 1 } },
    });
    if (count !== 1) throw new PreconditionFailedError('The subscription changed meanwhile: retry.');
    await recordAudit(tx, ctx, {
      action,
      entityType: 'webhook_subscription',
      entityId: current.id,
      consulateId: current.consulateId,
      changedFields,
    });
    return toWebhookJson(
      await tx.webhookSubscription.findUniqueOrThrow({ where: { id: current.id }, select: subscriptionSelect }),
    );
  }

  private async visible(db: PrismaClient | Tx, ctx: RequestContext, id: string): Promise<SubscriptionRow> {
    const row = await db.webhookSubscription.findFirst({
      where: { id, ...consulateScope(ctx.actor) },
      select: subscriptionSelect,
    });
    if (!row) throw new NotFoundError('Webhook subscription');
    return row;
  }
}
