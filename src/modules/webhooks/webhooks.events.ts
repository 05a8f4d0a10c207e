import type { Db } from '../../db/client.ts';

/** Every event a subscription can listen to (README "Webhooks"). */
export const WEBHOOK_EVENT_TYPES = [
  'documentation_request.state_changed',
  'documentation_request.ready_for_pickup',
  'appointment.booked',
  'appointment.cancelled',
  'appointment.no_show',
  'mobile_visit.confirmed',
  'mobile_visit.cancelled',
  'protection_case.escalated',
  'protection_case.transferred',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A payload value: ids, references, states, instants (ISO strings), counts. Never personal data. */
type PayloadValue = string | number | boolean | null | readonly string[];

/** One outbox row, written in the transaction of the change it reports. */
export interface OutboxEvent {
  type: WebhookEventType;
  /** The consulate the record belongs to; its `code` is added to the payload (unless confidential). */
  consulateId: string;
  /** A second consulate the event concerns (a transfer's destination). */
  alsoConsulateId?: string | null;
  entityType: 'documentation_request' | 'appointment' | 'mobile_visit' | 'protection_case';
  entityId: string;
  /** A confidential protection case: only the network's subscriptions get it, and `data` must hold ids only. */
  confidential?: boolean;
  data: Record<string, PayloadValue>;
  occurredAt: Date;
}

/**
 * One statement for any number of events, in order (their `seq` follows the
 * array). The table's statement trigger fans them out to the deliveries of
 * the matching subscriptions in the same transaction.
 */
const EMIT_SQL = `INSERT INTO webhook_events
    (type, consulate_id, also_consulate_id, entity_type, entity_id, confidential, payload, occurred_at)
  SELECT e.type, e.consulate_id, e.also_consulate_id, e.entity_type, e.entity_id, e.confidential,
    CASE WHEN e.confidential THEN e.payload ELSE e.payload || jsonb_build_object('consulateCode', c.code) END,
    e.occurred_at
  FROM jsonb_to_recordset($1::jsonb) AS e(ord int, type text, consulate_id uuid, also_consulate_id uuid,
    entity_type text, entity_id uuid, confidential boolean, payload jsonb, occurred_at timestamptz)
  JOIN consulates c ON c.id = e.consulate_id
  ORDER BY e.ord`;

export async function emitEvents(db: Db, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e, ord) => ({
    ord,
    type: e.type,
    consulate_id: e.consulateId,
    also_consulate_id: e.alsoConsulateId ?? null,
    entity_type: e.entityType,
    entity_id: e.entityId,
    confidential: e.confidential ?? false,
    payload: e.data,
    occurred_at: e.occurredAt.toISOString(),
  }));
  await db.$executeRawUnsafe(EMIT_SQL, JSON.stringify(rows));
}

export const emitEvent = (db: Db, event: OutboxEvent): Promise<void> => emitEvents(db, [event]);

/** An instant for a payload (as the API writes instants). */
export const instant = (d: Date | null | undefined): string | null => d?.toISOString() ?? null;
