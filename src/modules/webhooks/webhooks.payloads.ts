import type { OutboxEvent } from './webhooks.events.ts';

/**
 * The `data` of each event, built from what the change already holds: ids,
 * references, states, instants and the consulate — never names, CURPs,
 * addresses, case summaries, notes or free-text reasons. (The office booking
 * hot path builds the same `appointment.booked` data in SQL:
 * appointments.repository.ts BOOK_OFFICE_SQL.)
 */

interface AppointmentFacts {
  id: string;
  consulateId: string;
  mobileVisitId: string | null;
  personId: string;
  service: string;
  state: string;
  startsAt: Date;
  endsAt: Date;
  localDate: Date;
  timeZone: string;
}

export function appointmentEvent(
  type: 'appointment.booked' | 'appointment.cancelled' | 'appointment.no_show',
  a: AppointmentFacts,
  at: Date,
  extra: { from?: string; cause?: string } = {},
): OutboxEvent {
  return {
    type,
    consulateId: a.consulateId,
    entityType: 'appointment',
    entityId: a.id,
    occurredAt: at,
    data: {
      id: a.id,
      consulateId: a.consulateId,
      mobileVisitId: a.mobileVisitId,
      personId: a.personId,
      service: a.service,
      state: a.state,
      startsAt: a.startsAt.toISOString(),
      endsAt: a.endsAt.toISOString(),
      localDate: a.localDate.toISOString().slice(0, 10),
      timeZone: a.timeZone,
      at: at.toISOString(),
      ...(extra.from ? { from: extra.from } : {}),
      ...(extra.cause ? { cause: extra.cause } : {}),
    },
  };
}

interface VisitFacts {
  id: string;
  consulateId: string;
  state: string;
  firstDay: Date;
  lastDay: Date;
  timeZone: string;
}

export function visitEvent(
  type: 'mobile_visit.confirmed' | 'mobile_visit.cancelled',
  v: VisitFacts,
  from: string,
  at: Date,
  appointmentsCancelled: number,
): OutboxEvent {
  return {
    type,
    consulateId: v.consulateId,
    entityType: 'mobile_visit',
    entityId: v.id,
    occurredAt: at,
    data: {
      id: v.id,
      consulateId: v.consulateId,
      from,
      state: v.state,
      firstDay: v.firstDay.toISOString().slice(0, 10),
      lastDay: v.lastDay.toISOString().slice(0, 10),
      timeZone: v.timeZone,
      at: at.toISOString(),
      ...(type === 'mobile_visit.cancelled' ? { appointmentsCancelled } : {}),
    },
  };
}

interface CaseFacts {
  id: string;
  reference: string;
  consulateId: string;
  personId: string | null;
  category: string;
  priority: string;
  state: string;
  confidential: boolean;
}

/**
 * A protection case's event. A confidential case's carries ids only (the
 * case's and its consulates'), and only the network's subscriptions get it
 * (the fan-out trigger); not even its reference or the person's id.
 */
export function caseEvent(
  type: 'protection_case.escalated' | 'protection_case.transferred',
  c: CaseFacts,
  at: Date,
  transfer?: { fromConsulateId: string; toConsulateId: string },
): OutboxEvent {
  const ids = { id: c.id, consulateId: c.consulateId, ...(transfer ?? {}) };
  return {
    type,
    // A transfer belongs to both consulates: the one it left and the one it reached.
    consulateId: transfer?.fromConsulateId ?? c.consulateId,
    alsoConsulateId: transfer?.toConsulateId ?? null,
    entityType: 'protection_case',
    entityId: c.id,
    confidential: c.confidential,
    occurredAt: at,
    data: c.confidential
      ? ids
      : {
          ...ids,
          reference: c.reference,
          personId: c.personId,
          category: c.category,
          priority: c.priority,
          state: c.state,
          at: at.toISOString(),
        },
  };
}
