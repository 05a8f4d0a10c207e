import type { PrismaClient, Tx } from '../../db/client.ts';
import { created, writeTransaction } from '../../db/transaction.ts';
import type { ConsularService, Prisma } from '../../generated/prisma/client.ts';
import { assertCan, targetConsulate, consulateScope, type Actor, type RequestContext } from '../../lib/access.ts';
import { dateOf, dateValue, localDate } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../lib/errors.ts';
import { afterCursor, toPage } from '../../lib/pagination.ts';
import { recordAudit, type AuditContext } from '../audit/audit.repository.ts';
import { ticketWhere, type TicketFilter } from './queue.filters.ts';
import type { CalendarCache } from '../consulates/holidays.repository.ts';
import type { Sql } from '../../db/sql.ts';

/** The lobby board's tickets: today's waiting and called ones, by service and number. */
const BOARD_SQL = `SELECT service::text AS service, code, state::text AS state, counter, called_at FROM queue_tickets
  WHERE consulate_id = $1 AND local_date = $2::date AND state IN ('waiting', 'called')
  ORDER BY service, number`;

/** Ticket letters by service, as shown on the lobby board. */
export const TICKET_PREFIX: Record<ConsularService, string> = {
  passport: 'P',
  consular_id: 'M',
  birth_registration: 'R',
  gender_identity_recognition: 'I',
  protection: 'A',
  notarization: 'N',
  legalization: 'L',
  visa: 'V',
};

export const ticketSelect = {
  id: true,
  consulateId: true,
  localDate: true,
  service: true,
  number: true,
  code: true,
  source: true,
  appointmentId: true,
  state: true,
  counter: true,
  issuedAt: true,
  calledAt: true,
  finishedAt: true,
  version: true,
} satisfies Prisma.QueueTicketSelect;

type TicketRow = Prisma.QueueTicketGetPayload<{ select: typeof ticketSelect }>;

export function toTicketJson(row: TicketRow) {
  return {
    id: row.id,
    consulateId: row.consulateId,
    date: dateOf(row.localDate),
    ticket: row.code,
    service: row.service,
    source: row.source,
    appointmentId: row.appointmentId,
    state: row.state,
    counter: row.counter,
    issuedAt: row.issuedAt.toISOString(),
    calledAt: row.calledAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    version: row.version,
  };
}

/**
 * Hands out the next number of the consulate's day and service inside the
 * caller's transaction: the counter row's lock makes concurrent kiosks queue
 * up, so a number is never given twice in a day.
 */
export async function issueTicket(
  tx: Tx,
  ctx: AuditContext,
  input: {
    consulateId: string;
    date: string;
    service: ConsularService;
    source: 'walk_in' | 'appointment';
    appointmentId?: string;
    kioskId?: string;
    at: Date;
  },
): Promise<TicketRow> {
  const [counter] = await tx.$queryRaw<{ last_value: number }[]>`
    INSERT INTO ticket_counters (consulate_id, local_date, service, last_value)
    VALUES (${input.consulateId}::uuid, ${input.date}::date, ${input.service}::consular_service, 1)
    ON CONFLICT (consulate_id, local_date, service) DO UPDATE SET last_value = ticket_counters.last_value + 1
    RETURNING last_value`;
  const number = counter!.last_value;
  const row = await tx.queueTicket.create({
    data: {
      consulateId: input.consulateId,
      localDate: dateValue(input.date),
      service: input.service,
      number,
      code: `${TICKET_PREFIX[input.service]}-${String(number).padStart(3, '0')}`,
      source: input.source,
      appointmentId: input.appointmentId ?? null,
      kioskId: input.kioskId ?? null,
      issuedAt: input.at,
    },
    select: ticketSelect,
  });
  await recordAudit(tx, ctx, {
    action: 'queue_ticket.issue',
    entityType: 'queue_ticket',
    entityId: row.id,
    consulateId: input.consulateId,
    details: { service: input.service, source: input.source },
  });
  return row;
}

export class QueueService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly calendars: CalendarCache,
    private readonly sql: Sql,
  ) {}

  private async today(consulateId: string): Promise<{ date: string; services: readonly ConsularService[] }> {
    const consulate = await this.calendars.find(consulateId);
    if (!consulate) throw new NotFoundError('Consulate');
    return { date: localDate(this.clock.now(), consulate.timeZone), services: consulate.services };
  }

  /** A walk-in ticket for one of the services the consulate offers. */
  async walkIn(ctx: RequestContext<Actor>, consulateId: string, service: ConsularService) {
    const { date, services } = await this.today(consulateId);
    if (!services.includes(service)) {
      throw new ConflictError(`This consulate does not offer ${service} at its office.`, 'service-not-offered');
    }
    const now = this.clock.now();
    return writeTransaction(this.prisma, ctx, async (tx) => {
      const row = await issueTicket(tx, ctx, {
        consulateId,
        date,
        service,
        source: 'walk_in',
        ...(ctx.actor.kind === 'kiosk' ? { kioskId: ctx.actor.id } : {}),
        at: now,
      });
      const waitingAhead = await tx.queueTicket.count({
        where: { consulateId, localDate: dateValue(date), service, state: 'waiting', number: { lt: row.number } },
      });
      return created({ ...toTicketJson(row), waitingAhead });
    });
  }

  /** What the lobby board shows: ticket numbers, nothing else. */
  async board(consulateId: string) {
    const { date, services } = await this.today(consulateId);
    const rows = (
      await this.sql.rows<{
        service: string;
        code: string;
        state: string;
        counter: string | null;
        called_at: Date | null;
      }>(BOARD_SQL, [consulateId, date])
    ).map((r) => ({ service: r.service, code: r.code, state: r.state, counter: r.counter, calledAt: r.called_at }));
    return {
      date,
      services: services.map((service) => {
        const mine = rows.filter((r) => r.service === service);
        return {
          service,
          waiting: mine.filter((r) => r.state === 'waiting').map((r) => r.code),
          called: mine
            .filter((r) => r.state === 'called')
            .sort((a, b) => (b.calledAt?.getTime() ?? 0) - (a.calledAt?.getTime() ?? 0))
            .slice(0, 10)
            .map((r) => ({ ticket: r.code, counter: r.counter ?? '' })),
        };
      }),
    };
  }

  /** The tickets of a day (today by default) or of a range of days, in the order they were issued. */
  async list(ctx: RequestContext, input: TicketFilter & { limit: number; cursor?: string }) {
    assertCan(ctx.actor, 'queue:operate');
    const { limit, cursor: rawCursor, ...filter } = input;
    const scope = consulateScope(ctx.actor);
    if (scope.consulateId && filter.consulateId && filter.consulateId !== scope.consulateId) {
      return { data: [], nextCursor: null };
    }
    if (!filter.date && !filter.dateFrom && !filter.dateTo) {
      filter.date = (await this.today(targetConsulate(ctx.actor, filter.consulateId))).date;
    }
    // Issue order: the instant, then the day's number (tickets of one instant), then the id.
    const after = afterCursor(rawCursor, [
      { field: 'issuedAt', order: 'asc', kind: 'instant' },
      { field: 'number', order: 'asc', kind: 'number' },
      { field: 'id', order: 'asc', kind: 'uuid' },
    ]);
    const rows = await this.prisma.queueTicket.findMany({
      where: { AND: [scope, ticketWhere(filter), after] },
      orderBy: [{ issuedAt: 'asc' }, { number: 'asc' }, { id: 'asc' }],
      take: limit + 1,
      select: ticketSelect,
    });
    return toPage(rows, limit, (r) => [r.issuedAt.toISOString(), r.number, r.id], toTicketJson);
  }

  /**
   * The oldest waiting ticket of the service goes to `counter`. Two officers
   * calling at once get different tickets (SKIP LOCKED).
   */
  async callNext(ctx: RequestContext, input: { service: ConsularService; counter: string; consulateId?: string }) {
    assertCan(ctx.actor, 'queue:operate');
    const consulateId = targetConsulate(ctx.actor, input.consulateId);
    const { date } = await this.today(consulateId);
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const [next] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM queue_tickets
        WHERE consulate_id = ${consulateId}::uuid AND local_date = ${date}::date
          AND service = ${input.service}::consular_service AND state = 'waiting'
        ORDER BY number
        LIMIT 1
        FOR UPDATE SKIP LOCKED`;
      if (!next) throw new NotFoundError('Waiting ticket', `Nobody is waiting for ${input.service}.`);
      const row = await tx.queueTicket.update({
        where: { id: next.id },
        data: {
          state: 'called',
          counter: input.counter,
          calledAt: now,
          calledById: ctx.actor.id,
          version: { increment: 1 },
        },
        select: ticketSelect,
      });
      await recordAudit(tx, ctx, {
        action: 'queue_ticket.call',
        entityType: 'queue_ticket',
        entityId: row.id,
        consulateId,
        changedFields: ['state', 'counter'],
      });
      return toTicketJson(row);
    });
  }

  /** A called ticket ends served or absent. */
  async finish(ctx: RequestContext, id: string, version: number, to: 'served' | 'absent') {
    assertCan(ctx.actor, 'queue:operate');
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.queueTicket.findFirst({
        where: { id, ...consulateScope(ctx.actor) },
        select: ticketSelect,
      });
      if (!current) throw new NotFoundError('Ticket');
      if (current.version !== version) throw new PreconditionFailedError();
      if (current.state !== 'called') {
        throw new ConflictError(`A ${current.state} ticket cannot become ${to}: call it first.`, 'illegal-transition', {
          currentState: current.state,
          allowedTransitions: [],
        });
      }
      const row = await tx.queueTicket.update({
        where: { id },
        data: { state: to, finishedAt: now, version: { increment: 1 } },
        select: ticketSelect,
      });
      // Serving the ticket of a checked-in appointment serves the appointment.
      if (to === 'served' && row.appointmentId) {
        const served = await tx.appointment.updateMany({
          where: { id: row.appointmentId, state: 'checked_in' },
          data: { state: 'served', servedAt: now, version: { increment: 1 } },
        });
        if (served.count === 1) {
          await recordAudit(tx, ctx, {
            action: 'appointment.transition',
            entityType: 'appointment',
            entityId: row.appointmentId,
            consulateId: row.consulateId,
            changedFields: ['state', 'servedAt'],
            details: { from: 'checked_in', to: 'served', via: 'queue_ticket' },
          });
        }
      }
      await recordAudit(tx, ctx, {
        action: `queue_ticket.${to}`,
        entityType: 'queue_ticket',
        entityId: id,
        consulateId: row.consulateId,
        changedFields: ['state'],
      });
      return toTicketJson(row);
    });
  }
}
