import { createHmac } from 'node:crypto';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { assertCan, consulateScope, type RequestContext } from '../../lib/access.ts';
import type { Clock } from '../../lib/clock.ts';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import { recordAudit, recordAuditMany, SYSTEM_CONTEXT, type AuditContext } from '../audit/audit.repository.ts';
import {
  allowHistoryScrub,
  anonymiseAppointments,
  anonymiseCases,
  anonymisePersons,
  anonymiseRequests,
  blockingRecords,
  claimRun,
  finishRun,
  lockAnonymisablePersons,
  purgeExpiredIdempotentAnswers,
  recordIdsOf,
  scrubIdempotentAnswers,
  type AnonymisedRow,
  type BlockingRecord,
  type Pick,
} from './retention.repository.ts';

const DAY_MS = 86_400_000;
/** Rows per transaction: short transactions, short locks. */
const BATCH = 500;

export interface RetentionCounts {
  documentationRequests: number;
  protectionCases: number;
  appointments: number;
  persons: number;
}

export type RunOutcome = { ran: false } | { ran: true; day: string; counts: RetentionCounts };

const KIND_LABEL: Record<BlockingRecord['kind'], string> = {
  documentation_request: 'documentation request',
  protection_case: 'protection case',
  appointment: 'appointment',
};

/**
 * Retention and anonymisation (issue 13 §3): the daily job, once across
 * replicas, and a person's erasure request. Both anonymise through the same
 * statements (retention.repository.ts), audit every record they change, and
 * never log a personal value (only counts).
 */
export class RetentionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** HMAC-SHA256 of a CURP under the service's key: equal CURPs give equal hashes, the CURP is not recoverable. */
  curpHash(curp: string): string {
    return createHmac('sha256', this.config.retention.hashKey).update(curp).digest('hex');
  }

  /**
   * The daily run: claims the UTC day in PostgreSQL (one replica wins), then
   * anonymises in batches everything past its retention period. A run cut
   * short is taken over after an hour, and the next day's run finishes what
   * is left: every row is marked, so nothing is done twice.
   */
  async runIfDue(): Promise<RunOutcome> {
    const now = this.clock.now();
    const day = now.toISOString().slice(0, 10);
    const claimed = await this.prisma.$transaction((tx) => claimRun(tx, day, now));
    if (!claimed) return { ran: false };
    const counts = await this.anonymiseExpired(now);
    await this.prisma.$transaction((tx) => finishRun(tx, day, this.clock.now(), { ...counts }));
    return { ran: true, day, counts };
  }

  /** Everything past its period at `now`, batch by batch, each batch one audited transaction. */
  async anonymiseExpired(now: Date): Promise<RetentionCounts> {
    const r = this.config.retention;
    const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const counts: RetentionCounts = { documentationRequests: 0, protectionCases: 0, appointments: 0, persons: 0 };
    const kinds = [
      ['documentationRequests', 'documentation_request', r.documentationDays, anonymiseRequests],
      ['protectionCases', 'protection_case', r.protectionDays, anonymiseCases],
      ['appointments', 'appointment', r.appointmentDays, anonymiseAppointments],
    ] as const;
    for (const [key, entity, days, anonymise] of kinds) {
      const pick: Pick = { mode: 'retention', cutoff: cutoff(days), limit: BATCH };
      for (;;) {
        const done = await this.prisma.$transaction(async (tx) => {
          await allowHistoryScrub(tx);
          const rows = await anonymise(tx, now, pick);
          await this.audit(tx, SYSTEM_CONTEXT, entity, rows, 'retention');
          return rows.length;
        });
        counts[key] += done;
        if (done < BATCH) break;
      }
    }
    const personPick: Pick = { mode: 'retention', cutoff: cutoff(r.personDays), limit: BATCH };
    for (;;) {
      const done = await this.prisma.$transaction(async (tx) => {
        const persons = await lockAnonymisablePersons(tx, personPick);
        await anonymisePersons(
          tx,
          now,
          persons.map((p) => ({ id: p.id, curpHash: p.curp ? this.curpHash(p.curp) : null })),
        );
        await this.audit(tx, SYSTEM_CONTEXT, 'person', persons, 'retention');
        return persons.length;
      });
      counts.persons += done;
      if (done < BATCH) break;
    }
    await this.prisma.$transaction((tx) => purgeExpiredIdempotentAnswers(tx));
    return counts;
  }

  /**
   * A person's erasure request: every record of the person anonymised at once,
   * in one transaction with the person — or a 409 naming the records that are
   * open or under legal hold. The reason is required but not stored (it may
   * name people); the audit event records that it happened, by whom, and what.
   */
  async erasePerson(
    ctx: RequestContext,
    personId: string,
  ): Promise<RetentionCounts & { personId: string; anonymisedAt: string }> {
    assertCan(ctx.actor, 'persons:anonymise');
    const now = this.clock.now();
    const holdSince = new Date(now.getTime() - this.config.retention.protectionDays * DAY_MS);
    return this.prisma.$transaction(async (tx) => {
      const [person] = await tx.$queryRawUnsafe<{ id: string; consulate_id: string; anonymised_at: Date | null }[]>(
        `SELECT id::text, consulate_id::text, anonymised_at FROM persons WHERE id = $1::uuid
           AND ($2::uuid IS NULL OR consulate_id = $2::uuid) FOR UPDATE`,
        personId,
        consulateScope(ctx.actor).consulateId ?? null,
      );
      if (!person) throw new NotFoundError('Person');
      if (person.anonymised_at) {
        throw new ConflictError('This person was already anonymised.', 'already-anonymised', {
          anonymisedAt: person.anonymised_at.toISOString(),
        });
      }
      const blocking = await blockingRecords(tx, personId, now, holdSince);
      if (blocking.length > 0) {
        const named =
          blocking
            .slice(0, 10)
            .map((b) => `${b.reference} (${KIND_LABEL[b.kind]}, ${b.cause === 'legal_hold' ? 'legal hold' : b.state})`)
            .join(', ') + (blocking.length > 10 ? ` and ${blocking.length - 10} more` : '');
        throw new ConflictError(
          `This person cannot be anonymised while records are open or under legal hold: ${named}.`,
          'anonymisation-blocked',
          {
            blockingRecords: blocking.map(({ kind, id, reference, state, cause }) => ({
              kind,
              id,
              reference,
              state,
              cause,
            })),
          },
        );
      }
      await allowHistoryScrub(tx);
      const pick: Pick = { mode: 'person', personId };
      const ids = await recordIdsOf(tx, personId);
      const requests = await anonymiseRequests(tx, now, pick);
      const cases = await anonymiseCases(tx, now, pick);
      const appointments = await anonymiseAppointments(tx, now, pick);
      const [candidate] = await lockAnonymisablePersons(tx, pick);
      if (!candidate) throw new ConflictError('A record of this person changed meanwhile: try again.');
      await anonymisePersons(tx, now, [
        { id: personId, curpHash: candidate.curp ? this.curpHash(candidate.curp) : null },
      ]);
      await scrubIdempotentAnswers(tx, ids);
      await this.audit(tx, ctx, 'documentation_request', requests, 'erasure_request');
      await this.audit(tx, ctx, 'protection_case', cases, 'erasure_request');
      await this.audit(tx, ctx, 'appointment', appointments, 'erasure_request');
      const counts = {
        documentationRequests: requests.length,
        protectionCases: cases.length,
        appointments: appointments.length,
        persons: 1,
      };
      await recordAudit(tx, ctx, {
        action: 'person.anonymise',
        entityType: 'person',
        entityId: personId,
        consulateId: person.consulate_id,
        details: {
          cause: 'erasure_request',
          documentationRequests: counts.documentationRequests,
          protectionCases: counts.protectionCases,
          appointments: counts.appointments,
        },
      });
      return { personId, anonymisedAt: now.toISOString(), ...counts };
    });
  }

  private async audit(
    tx: Tx,
    ctx: AuditContext,
    entityType: string,
    rows: readonly AnonymisedRow[],
    cause: 'retention' | 'erasure_request',
  ): Promise<void> {
    await recordAuditMany(
      tx,
      ctx,
      rows.map((row) => ({
        action: `${entityType}.anonymise`,
        entityType,
        entityId: row.id,
        consulateId: row.consulate_id,
        details: { cause },
      })),
    );
  }
}
