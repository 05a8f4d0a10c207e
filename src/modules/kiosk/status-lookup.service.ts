import type { PrismaClient } from '../../db/client.ts';
import { dateOf } from '../../lib/calendar.ts';
import type { KioskActor, RequestContext } from '../../lib/access.ts';
import type { Clock } from '../../lib/clock.ts';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.ts';
import type { CalendarCache } from '../consulates/holidays.repository.ts';
import { transitionsOf } from '../documentation-requests/documentation-requests.repository.ts';
import { computeDeadline } from '../documentation-requests/documentation-requests.deadlines.ts';
import { UNRESOLVED_STATES } from '../documentation-requests/documentation-requests.states.ts';
import type { AccessLogWriter } from '../access-log/access-log.writer.ts';
import { statusText, TYPE_NAMES, type Language } from './status-texts.ts';

const MAX_FAILURES = 5;
const WINDOW_MS = 3_600_000;

/** One answer for an unknown reference and a wrong date of birth: no oracle. */
const NO_MATCH = 'No request matches this reference and date of birth.';

/**
 * The kiosk's status look-up. Failures are counted per reference as typed —
 * whether it exists or not, so the lock itself reveals nothing — in
 * PostgreSQL, so every kiosk behind every replica sees the same count.
 */
export class StatusLookupService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock,
    private readonly calendars: CalendarCache,
    private readonly accessLog: AccessLogWriter,
  ) {}

  async lookup(ctx: RequestContext<KioskActor>, reference: string, dateOfBirth: string, language: Language) {
    const now = this.clock.now();
    const lock = await this.prisma.statusLookupLock.findUnique({ where: { reference }, select: { lockedUntil: true } });
    if (lock?.lockedUntil && lock.lockedUntil > now) throw this.locked(lock.lockedUntil, now);

    const request = await this.prisma.documentationRequest.findFirst({
      // An anonymised request answers like an unknown one: its date of birth is no longer the person's.
      where: { reference, consulateId: ctx.actor.consulateId, anonymisedAt: null },
      select: {
        id: true,
        reference: true,
        type: true,
        state: true,
        consulateId: true,
        personId: true,
        submittedAt: true,
        resolvedAt: true,
        deadlineDays: true,
        infoDeadlineDays: true,
        person: { select: { dateOfBirth: true } },
      },
    });
    if (!request || dateOf(request.person.dateOfBirth) !== dateOfBirth) {
      // The failing look-up itself gets the ordinary answer; the next ones meet the lock.
      await this.recordFailure(reference, now);
      throw new NotFoundError('Documentation request', NO_MATCH);
    }

    // The answer reveals the person's request: it is a read of their record.
    await this.accessLog.record(ctx, [
      {
        personId: request.personId,
        entityType: 'documentation_request',
        entityId: request.id,
        action: 'documentation_request.status_lookup',
      },
    ]);
    const calendar = await this.calendars.get(request.consulateId);
    const transitions = (await transitionsOf(this.prisma, [request.id])).get(request.id) ?? [];
    const deadline = computeDeadline({ ...request, transitions }, calendar, now);
    const text = statusText(request.type, request.state, language);
    return {
      reference: request.reference,
      type: request.type,
      typeName: TYPE_NAMES[request.type][language],
      state: request.state,
      status: text.status,
      nextStep: text.nextStep,
      dueDate: UNRESOLVED_STATES.includes(request.state) ? deadline.dueDate : null,
      language,
    };
  }

  /** Counts a failure in the reference's hour; the fifth locks it until that hour ends. */
  private async recordFailure(reference: string, now: Date): Promise<void> {
    const windowStart = new Date(now.getTime() - WINDOW_MS);
    await this.prisma.$executeRaw`
      INSERT INTO status_lookup_locks AS l (reference, window_started_at, failures, locked_until)
      VALUES (${reference}, ${now}, 1, NULL)
      ON CONFLICT (reference) DO UPDATE SET
        window_started_at = CASE WHEN l.window_started_at <= ${windowStart} THEN ${now} ELSE l.window_started_at END,
        failures = CASE WHEN l.window_started_at <= ${windowStart} THEN 1 ELSE l.failures + 1 END,
        locked_until = CASE
          WHEN l.window_started_at > ${windowStart} AND l.failures + 1 >= ${MAX_FAILURES}
            THEN l.window_started_at + interval '1 hour'
          ELSE NULL END`;
    // Old windows are dead weight: clear a few now and then.
    if (Math.random() < 0.01) {
      await this.prisma.$executeRaw`
        DELETE FROM status_lookup_locks WHERE reference IN (
          SELECT reference FROM status_lookup_locks WHERE window_started_at < ${new Date(now.getTime() - 2 * WINDOW_MS)} LIMIT 500)`;
    }
  }

  private locked(until: Date, now: Date): TooManyRequestsError {
    const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
    return new TooManyRequestsError(
      `Too many failed look-ups of this reference: it is locked for ${Math.ceil(seconds / 60)} minutes. Please ask at the counter.`,
      seconds,
    );
  }
}
