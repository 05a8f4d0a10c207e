import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { dateRange, oneOrMore } from '../../lib/filters.ts';
import { booleanQuery, isoDate, isoDateTime, text, uuid, uuidOrNone } from '../../lib/schemas.ts';
import { instantRange } from '../documentation-requests/documentation-requests.filters.ts';
import {
  ACTIVE_STATES,
  PROTECTION_CATEGORIES,
  PROTECTION_PRIORITIES,
  PROTECTION_STATES,
} from './protection-cases.states.ts';

/**
 * The filters of `GET /v1/protection-cases`, as one schema and one `where`
 * builder, shared with statistics (a figure counts what its drill-down lists).
 */
export const caseFilterSchema = z.object({
  consulateId: uuid.optional(),
  state: oneOrMore(PROTECTION_STATES),
  category: oneOrMore(PROTECTION_CATEGORIES),
  priority: oneOrMore(PROTECTION_PRIORITIES),
  assignedToId: uuidOrNone.optional(),
  confidential: booleanQuery,
  escalated: booleanQuery,
  active: booleanQuery.meta({ description: 'true: open, in_progress, referred or reopened.' }),
  overdue: booleanQuery.meta({ description: 'true: first action overdue, sorted by how late (most late first).' }),
  firstActionTaken: booleanQuery,
  firstActionOnTime: booleanQuery.meta({ description: 'First action taken by its due time (or not).' }),
  personId: uuid.optional(),
  openedFrom: isoDateTime.optional(),
  openedTo: isoDateTime.optional(),
  closedFrom: isoDateTime.optional(),
  closedTo: isoDateTime.optional(),
  // Local calendar days at each case's consulate (both ends included).
  openedDateFrom: isoDate
    .optional()
    .meta({ description: 'Opened on or after this local date (the consulate’s calendar).' }),
  openedDateTo: isoDate.optional(),
  closedDateFrom: isoDate.optional(),
  closedDateTo: isoDate.optional(),
  q: text(200, { min: 2 }).optional().meta({ description: 'Text in the reference or the summary.' }),
});

export type CaseFilter = z.output<typeof caseFilterSchema>;

export function caseWhere(db: Db, f: CaseFilter, now: Date): Prisma.ProtectionCaseWhereInput {
  const overdue: Prisma.ProtectionCaseWhereInput = { firstActionAt: null, firstActionDueAt: { lt: now } };
  const onTime: Prisma.ProtectionCaseWhereInput = { firstActionAt: { lte: db.protectionCase.fields.firstActionDueAt } };
  const opened = instantRange(f.openedFrom, f.openedTo);
  const closed = instantRange(f.closedFrom, f.closedTo);
  const openedDays = dateRange(f.openedDateFrom, f.openedDateTo);
  const closedDays = dateRange(f.closedDateFrom, f.closedDateTo);
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.state ? { state: { in: f.state } } : {},
      f.category ? { category: { in: f.category } } : {},
      f.priority ? { priority: { in: f.priority } } : {},
      f.assignedToId === 'none' ? { assignedToId: null } : f.assignedToId ? { assignedToId: f.assignedToId } : {},
      f.confidential !== undefined ? { confidential: f.confidential } : {},
      f.escalated !== undefined ? { escalated: f.escalated } : {},
      f.active === true
        ? { state: { in: [...ACTIVE_STATES] } }
        : f.active === false
          ? { state: { notIn: [...ACTIVE_STATES] } }
          : {},
      f.overdue === true ? overdue : f.overdue === false ? { NOT: overdue } : {},
      f.firstActionTaken === true
        ? { firstActionAt: { not: null } }
        : f.firstActionTaken === false
          ? { firstActionAt: null }
          : {},
      f.firstActionOnTime === true
        ? onTime
        : f.firstActionOnTime === false
          ? { firstActionAt: { not: null }, NOT: onTime }
          : {},
      f.personId ? { personId: f.personId } : {},
      opened ? { openedAt: opened } : {},
      closed ? { closedAt: closed } : {},
      openedDays ? { openedDate: openedDays } : {},
      closedDays ? { closedDate: closedDays } : {},
      f.q
        ? {
            OR: [{ reference: { startsWith: f.q.toUpperCase() } }, { summary: { contains: f.q, mode: 'insensitive' } }],
          }
        : {},
    ],
  };
}
