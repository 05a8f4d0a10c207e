import { z } from 'zod';
import { cursorQuery, int32, isoDateTimeOut, limitQuery, listOf, outText, text, uuid } from '../../lib/schemas.ts';
import { WEBHOOK_EVENT_TYPES } from './webhooks.events.ts';

export const webhookEventType = z.enum(WEBHOOK_EVENT_TYPES);

const events = z
  .array(webhookEventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an event')
  .meta({ description: 'The events to receive (at least one, each once).' });

const url = text(2000, { min: 1 }).meta({
  description:
    'Where events are POSTed. https in production, to a public address (private and loopback targets only for hosts on WEBHOOK_ALLOWED_HOSTS); http too elsewhere.',
});

export const webhookSchema = z
  .object({
    id: uuid,
    consulateId: uuid.nullable().meta({ description: 'Null: the network’s subscription (made by an admin).' }),
    url: outText(2000),
    events: z.array(webhookEventType).max(WEBHOOK_EVENT_TYPES.length),
    description: outText(500).nullable(),
    enabled: z.boolean(),
    disabledAt: isoDateTimeOut.nullable(),
    disabledReason: outText(300)
      .nullable()
      .meta({ description: 'Why it was disabled: by whom, or after how long deliveries kept failing.' }),
    failingSince: isoDateTimeOut
      .nullable()
      .meta({ description: 'Every delivery has failed since then (null after a success).' }),
    secretRotatedAt: isoDateTimeOut.nullable(),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'WebhookSubscription' });

export const createWebhookBody = z.object({ url, events, description: text(500).optional() }).strict();

export const updateWebhookBody = z
  .object({ url: url.optional(), events: events.optional(), description: text(500).nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const webhookSecretResponse = z
  .object({
    webhookId: uuid,
    secret: outText(100).meta({
      description:
        'Shown once: `whsec_` + base64 of 32 random bytes. Sign-check each delivery with it (README “Webhooks”).',
    }),
    webhook: webhookSchema,
  })
  .meta({ id: 'WebhookSecret' });

export const webhookListQuery = z.object({ limit: limitQuery, cursor: cursorQuery });
export const webhookListResponse = listOf(webhookSchema);

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const deliverySchema = z
  .object({
    id: uuid,
    subscriptionId: uuid,
    eventId: uuid.meta({ description: 'The `webhook-id` header of every attempt.' }),
    eventType: webhookEventType,
    entityId: uuid,
    status: z.enum(DELIVERY_STATUSES),
    attempts: int32(),
    lastAttemptAt: isoDateTimeOut.nullable(),
    lastStatusCode: int32(0, 999).nullable(),
    lastLatencyMs: int32().nullable(),
    lastError: outText(200).nullable(),
    nextAttemptAt: isoDateTimeOut.nullable().meta({ description: 'Null unless pending.' }),
    completedAt: isoDateTimeOut.nullable(),
    createdAt: isoDateTimeOut,
  })
  .meta({ id: 'WebhookDelivery' });

export const deliveryListQuery = z.object({
  limit: limitQuery,
  cursor: cursorQuery,
  status: z.enum(DELIVERY_STATUSES).optional(),
});
export const deliveryListResponse = listOf(deliverySchema);
export const deliveryParams = z.object({ id: uuid, deliveryId: uuid });
