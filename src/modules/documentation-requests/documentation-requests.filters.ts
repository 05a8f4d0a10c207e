import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { dateValue, localDate, nextDate } from '../../lib/calendar.ts';
import { dateRange, oneOrMore } from '../../lib/filters.ts';
import { booleanQuery, isoDate, isoDateTime, text, uuid, uuidOrNone } from '../../lib/schemas.ts';
import { foldText } from '../../lib/text.ts';
import { DOCUMENTATION_TYPES } from './documentation-requests.details.ts';
import {
  DOCUMENTATION_FLAGS,
  DOCUMENTATION_STATES,
  FINAL_STATES,
  OPEN_STATES,
  UNRESOLVED_STATES,
} from './documentation-requests.states.ts';

/**
 * The filters of `GET /v1/documentation-requests`, as one schema and one
 * `where` builder. Statistics count with the same builder and link to the list
 * with the same query, so a figure and the records behind it cannot disagree.
 */
export const documentationFilterSchema = z.object({
  consulateId: uuid.optional(),
  state: oneOrMore(DOCUMENTATION_STATES),
  type: oneOrMore(DOCUMENTATION_TYPES),
  assignedToId: uuidOrNone.optional().meta({ description: 'A staff id, or `none` for unassigned.' }),
  flag: z.enum(DOCUMENTATION_FLAGS).optional(),
  personId: uuid.optional(),
  personName: text(200, { min: 2 }).optional(),
  outsideJurisdiction: booleanQuery.meta({
    description: 'true: requests of persons whose address lies outside the consulate’s jurisdiction.',
  }),
  reference: text(24, { min: 3 }).optional().meta({ description: 'A reference or its beginning.' }),
  open: booleanQuery.meta({ description: 'true: not yet delivered, rejected or cancelled (the backlog).' }),
  overdue: booleanQuery.meta({ description: 'Unresolved and past the statutory deadline.' }),
  resolvedWithinDeadline: booleanQuery.meta({
    description: 'Approved or rejected by the statutory due time (or not).',
  }),
  createdFrom: isoDateTime.optional(),
  createdTo: isoDateTime.optional(),
  updatedFrom: isoDateTime.optional(),
  updatedTo: isoDateTime.optional(),
  submittedFrom: isoDateTime.optional(),
  submittedTo: isoDateTime.optional(),
  issuedFrom: isoDateTime.optional(),
  issuedTo: isoDateTime.optional(),
  resolvedFrom: isoDateTime.optional().meta({ description: 'Approved or rejected at or after this instant.' }),
  resolvedTo: isoDateTime.optional(),
  cancelledFrom: isoDateTime.optional(),
  cancelledTo: isoDateTime.optional(),
  // Local calendar days, each request's in its own consulate's time zone, so
  // one range means the same days at every consulate (both ends included).
  submittedDateFrom: isoDate
    .optional()
    .meta({ description: 'Submitted on or after this local date (the consulate’s calendar).' }),
  submittedDateTo: isoDate.optional().meta({ description: 'Submitted on or before this local date.' }),
  issuedDateFrom: isoDate.optional(),
  issuedDateTo: isoDate.optional(),
  resolvedDateFrom: isoDate.optional(),
  resolvedDateTo: isoDate.optional(),
  cancelledDateFrom: isoDate.optional(),
  cancelledDateTo: isoDate.optional(),
  ageDaysMin: z.coerce.number().int().min(0).max(36_500).optional().meta({
    format: 'int32',
    description: 'At least this many calendar days since the submission day, today at the request’s consulate.',
  }),
  ageDaysMax: z.coerce
    .number()
    .int()
    .min(0)
    .max(36_500)
    .optional()
    .meta({ format: 'int32', description: 'At most this many calendar days since the submission day (0: today).' }),
});

export type DocumentationFilter = z.output<typeof documentationFilterSchema>;

/** `[from, to)` of instants, or nothing. */
export const instantRange = (from?: string, to?: string) =>
  from || to ? { ...(from ? { gte: new Date(from) } : {}), ...(to ? { lt: new Date(to) } : {}) } : undefined;

/** The consulates' time zones, which an age filter needs (each consulate's today); none otherwise. */
export async function zonesFor(db: Db, f: DocumentationFilter): Promise<string[]> {
  if (f.ageDaysMin === undefined && f.ageDaysMax === undefined) return [];
  const rows = await db.consulate.findMany({ distinct: ['timeZone'], select: { timeZone: true } });
  return rows.map((r) => r.timeZone);
}

/**
 * Submitted between `ageDaysMax` and `ageDaysMin` days before today, today
 * being each consulate's own: one branch per group of zones that share a
 * date now (`zones` are the consulates' zones, from `zonesFor`).
 */
function ageWhere(f: DocumentationFilter, now: Date, zones: readonly string[]): Prisma.DocumentationRequestWhereInput {
  if (f.ageDaysMin === undefined && f.ageDaysMax === undefined) return {};
  const byToday = new Map<string, string[]>();
  for (const zone of zones) {
    const today = localDate(now, zone);
    byToday.set(today, [...(byToday.get(today) ?? []), zone]);
  }
  return {
    OR: [...byToday].map(([today, sharing]) => ({
      consulate: { timeZone: { in: sharing } },
      submittedDate: {
        ...(f.ageDaysMax !== undefined ? { gte: dateValue(nextDate(today, -f.ageDaysMax)) } : {}),
        ...(f.ageDaysMin !== undefined ? { lte: dateValue(nextDate(today, -f.ageDaysMin)) } : {}),
      },
    })),
  };
}

export function documentationWhere(
  db: Db,
  f: DocumentationFilter,
  now: Date,
  zones: readonly string[] = [],
): Prisma.DocumentationRequestWhereInput {
  const words = f.personName ? foldText(f.personName).split(' ').filter(Boolean) : [];
  const overdue: Prisma.DocumentationRequestWhereInput = { state: { in: [...UNRESOLVED_STATES] }, dueAt: { lt: now } };
  const withinDeadline: Prisma.DocumentationRequestWhereInput = {
    resolvedAt: { lte: db.documentationRequest.fields.dueAt },
  };
  const ranges: [keyof Prisma.DocumentationRequestWhereInput, string | undefined, string | undefined][] = [
    ['createdAt', f.createdFrom, f.createdTo],
    ['updatedAt', f.updatedFrom, f.updatedTo],
    ['submittedAt', f.submittedFrom, f.submittedTo],
    ['issuedAt', f.issuedFrom, f.issuedTo],
    ['resolvedAt', f.resolvedFrom, f.resolvedTo],
    ['cancelledAt', f.cancelledFrom, f.cancelledTo],
  ];
  const days: [keyof Prisma.DocumentationRequestWhereInput, string | undefined, string | undefined][] = [
    ['submittedDate', f.submittedDateFrom, f.submittedDateTo],
    ['issuedDate', f.issuedDateFrom, f.issuedDateTo],
    ['resolvedDate', f.resolvedDateFrom, f.resolvedDateTo],
    ['cancelledDate', f.cancelledDateFrom, f.cancelledDateTo],
  ];
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.state ? { state: { in: f.state } } : {},
      f.type ? { type: { in: f.type } } : {},
      f.assignedToId === 'none' ? { assignedToId: null } : f.assignedToId ? { assignedToId: f.assignedToId } : {},
      f.flag === 'potential_duplicate'
        ? { potentialDuplicate: true }
        : f.flag === 'fee_pending'
          ? { feePending: true }
          : f.flag === 'emergency'
            ? { emergency: true }
            : {},
      f.personId ? { personId: f.personId } : {},
      words.length ? { person: { AND: words.map((w) => ({ nameSearch: { contains: w } })) } } : {},
      f.outsideJurisdiction !== undefined ? { person: { outsideJurisdiction: f.outsideJurisdiction } } : {},
      f.reference ? { reference: { startsWith: f.reference.toUpperCase() } } : {},
      // A positive list of states, so the (consulate_id, state, submitted_at) index serves the backlog.
      f.open === true
        ? { state: { in: [...OPEN_STATES] } }
        : f.open === false
          ? { state: { in: [...FINAL_STATES] } }
          : {},
      f.overdue === true ? overdue : f.overdue === false ? { NOT: overdue } : {},
      f.resolvedWithinDeadline === true
        ? withinDeadline
        : f.resolvedWithinDeadline === false
          ? { resolvedAt: { not: null }, NOT: withinDeadline }
          : {},
      ...ranges.flatMap(([field, from, to]) => {
        const range = instantRange(from, to);
        return range ? [{ [field]: range }] : [];
      }),
      ...days.flatMap(([field, from, to]) => {
        const range = dateRange(from, to);
        return range ? [{ [field]: range }] : [];
      }),
      ageWhere(f, now, zones),
    ],
  };
}
