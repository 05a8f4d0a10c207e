import type { z } from 'zod';
import type { PrismaClient, Tx } from '../../db/client.ts';
import { assertCan, consulateScope, type RequestContext } from '../../lib/access.ts';
import { BadRequestError, NotFoundError } from '../../lib/errors.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { readReport, type ReportRow } from './access-log.repository.ts';
import type { accessReportQuery } from './access-log.schemas.ts';

type ReportInput = z.output<typeof accessReportQuery>;

/** Lines of one CSV report at most; a longer history is asked for by period (`from`/`to`). */
export const CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 2_000;

export function toEntry(row: ReportRow) {
  return {
    occurredAt: row.occurred_at.toISOString(),
    kind: row.kind,
    actor: { type: row.actor_type, id: row.actor_id, role: row.actor_role, consulateId: row.consulate_id },
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    purpose: row.purpose,
    changedFields: row.changed_fields,
    requestId: row.request_id,
  };
}

export type AccessReportEntry = ReturnType<typeof toEntry>;

const KEY = /^(?:a\d{19}|e[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function afterOf(cursor: string | undefined): { at: Date; key: string } | null {
  const values = decodeCursor(cursor, ['string', 'string']);
  if (!values) return null;
  const at = new Date(values[0] as string);
  const key = values[1] as string;
  if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1900 || at.getUTCFullYear() > 2200 || !KEY.test(key)) {
    throw new BadRequestError('The cursor is not valid: use the nextCursor of a previous page.', [
      { path: 'cursor', message: 'is not a cursor issued by this list' },
    ]);
  }
  return { at, key };
}

/**
 * "Who accessed my record" (issue 13 §2): the reads and writes of a person's
 * record, documentation requests and protection cases. The consulate's
 * supervisor and admins; every reading of the report is itself audited (and
 * so appears in the next one).
 */
export class AccessReportService {
  constructor(private readonly prisma: PrismaClient) {}

  async page(ctx: RequestContext, personId: string, input: ReportInput) {
    const { from, to, consulateId } = await this.prepare(ctx, personId, input);
    const after = afterOf(input.cursor);
    return this.prisma.$transaction(async (tx) => {
      const rows = await readReport(tx, { personId, from, to, after, take: input.limit + 1 });
      await this.audit(tx, ctx, personId, consulateId, 'json');
      const page = rows.slice(0, input.limit);
      const last = page[page.length - 1];
      return {
        personId,
        data: page.map(toEntry),
        nextCursor: rows.length > input.limit && last ? encodeCursor([last.occurred_at.toISOString(), last.key]) : null,
      };
    });
  }

  /** The whole period (newest first), for CSV. */
  async all(ctx: RequestContext, personId: string, input: ReportInput): Promise<AccessReportEntry[]> {
    const { from, to, consulateId } = await this.prepare(ctx, personId, input);
    return this.prisma.$transaction(async (tx) => {
      const entries: AccessReportEntry[] = [];
      let after: { at: Date; key: string } | null = null;
      for (;;) {
        const rows = await readReport(tx, { personId, from, to, after, take: CSV_PAGE });
        entries.push(...rows.map(toEntry));
        if (entries.length > CSV_MAX_ROWS) {
          throw new BadRequestError(
            `The report holds more than ${CSV_MAX_ROWS} accesses: ask for a shorter period with from and to.`,
            [{ path: 'querystring.from', message: 'narrow the period' }],
          );
        }
        const last = rows[rows.length - 1];
        if (rows.length < CSV_PAGE || !last) break;
        after = { at: last.occurred_at, key: last.key };
      }
      await this.audit(tx, ctx, personId, consulateId, 'csv');
      return entries;
    });
  }

  private async prepare(ctx: RequestContext, personId: string, input: ReportInput) {
    assertCan(ctx.actor, 'persons:access_report');
    const person = await this.prisma.person.findFirst({
      where: { id: personId, ...consulateScope(ctx.actor) },
      select: { consulateId: true },
    });
    if (!person) throw new NotFoundError('Person');
    const from = input.from ? new Date(input.from) : null;
    const to = input.to ? new Date(input.to) : null;
    if (from && to && from >= to) {
      throw new BadRequestError('from must be before to.', [{ path: 'querystring.to', message: 'must be after from' }]);
    }
    return { from, to, consulateId: person.consulateId };
  }

  private async audit(tx: Tx, ctx: RequestContext, personId: string, consulateId: string, format: 'json' | 'csv') {
    await recordAudit(tx, ctx, {
      action: 'person.access_report_read',
      entityType: 'person',
      entityId: personId,
      consulateId,
      details: { format },
    });
  }
}
