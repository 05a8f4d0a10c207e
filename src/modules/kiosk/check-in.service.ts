import type { PrismaClient } from '../../db/client.ts';
import { Answer, created, writeTransaction } from '../../db/transaction.ts';
import type { KioskActor, RequestContext } from '../../lib/access.ts';
import { dateOf, dateValue, localDate } from '../../lib/calendar.ts';
import type { Clock } from '../../lib/clock.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { localTimeOf } from '../../lib/slots.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { issueTicket, ticketSelect, toTicketJson } from '../queue/queue.service.ts';

/** One answer for an unknown code, a wrong date of birth, and an appointment that is not today's: no oracle. */
const NO_MATCH = 'No appointment today matches this confirmation code and date of birth.';

/** "María José Núñez García" → "M. J. N. G." */
export function initialsOf(person: { givenNames: string; firstSurname: string; secondSurname: string | null }): string {
  return (
    [person.givenNames, person.firstSurname, person.secondSurname ?? '']
      .join(' ')
      .split(/\s+/)
      .filter(Boolean)
      // The first character, not the first UTF-16 unit: a name may begin with one outside the BMP.
      .map((word) => `${[...word][0]!.toUpperCase()}.`)
      .join(' ')
  );
}

/** The kiosk's view of appointments: the day's list without personal data, and check-in. */
export class CheckInService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
  ) {}

  /** The day's appointments (office and mobile visits): time, service, code, state, initials — nothing else. */
  async day(ctx: RequestContext<KioskActor>, date: string | undefined) {
    const { timeZone } = await this.prisma.consulate.findUniqueOrThrow({
      where: { id: ctx.actor.consulateId },
      select: { timeZone: true },
    });
    const day = date ?? localDate(this.clock.now(), timeZone);
    const rows = await this.prisma.appointment.findMany({
      where: { consulateId: ctx.actor.consulateId, localDate: dateValue(day) },
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
      take: 5000,
      select: {
        startsAt: true,
        timeZone: true,
        service: true,
        confirmationCode: true,
        state: true,
        person: { select: { givenNames: true, firstSurname: true, secondSurname: true } },
      },
    });
    return {
      date: day,
      data: rows.map((r) => ({
        time: localTimeOf(r.startsAt, r.timeZone).localTime,
        service: r.service,
        confirmationCode: r.confirmationCode,
        state: r.state,
        initials: initialsOf(r.person),
      })),
    };
  }

  /**
   * Checks a national in: the code and the date of birth must both match an
   * appointment of this consulate for today (local date). The appointment
   * becomes checked_in and gets a queue ticket (201); checking in again
   * returns the same ticket (200).
   */
  async checkIn(ctx: RequestContext<KioskActor>, code: string, dateOfBirth: string) {
    const now = this.clock.now();
    const found = await this.prisma.appointment.findFirst({
      where: { confirmationCode: code, consulateId: ctx.actor.consulateId },
      select: {
        id: true,
        state: true,
        version: true,
        localDate: true,
        timeZone: true,
        startsAt: true,
        service: true,
        consulateId: true,
        person: { select: { dateOfBirth: true } },
      },
    });
    if (
      !found ||
      dateOf(found.person.dateOfBirth) !== dateOfBirth ||
      localDate(now, found.timeZone) !== dateOf(found.localDate) ||
      (found.state !== 'booked' && found.state !== 'checked_in')
    ) {
      throw new NotFoundError('Appointment', NO_MATCH);
    }
    const local = localTimeOf(found.startsAt, found.timeZone);
    const appointment = {
      time: local.localTime,
      utcOffset: local.utcOffset,
      service: found.service,
      state: 'checked_in' as const,
    };

    return writeTransaction(this.prisma, ctx, async (tx) => {
      // Only one check-in wins; a concurrent one waits on the row, then finds it checked in.
      const moved = await tx.appointment.updateMany({
        where: { id: found.id, state: 'booked' },
        data: { state: 'checked_in', checkedInAt: now, version: { increment: 1 } },
      });
      if (moved.count === 0) {
        const existing = await tx.queueTicket.findUnique({
          where: { appointmentId: found.id },
          select: ticketSelect,
        });
        // Checked in at the counter, without a ticket: the kiosk cannot help.
        if (!existing) throw new NotFoundError('Appointment', NO_MATCH);
        return new Answer(200, { ticket: toTicketJson(existing), appointment });
      }
      const ticket = await issueTicket(tx, ctx, {
        consulateId: found.consulateId,
        date: dateOf(found.localDate),
        service: found.service,
        source: 'appointment',
        appointmentId: found.id,
        kioskId: ctx.actor.id,
        at: now,
      });
      await recordAudit(tx, ctx, {
        action: 'appointment.check_in',
        entityType: 'appointment',
        entityId: found.id,
        consulateId: found.consulateId,
        changedFields: ['state', 'checkedInAt'],
        details: { from: 'booked', to: 'checked_in', ticketId: ticket.id },
      });
      return created({ ticket: toTicketJson(ticket), appointment });
    });
  }
}
