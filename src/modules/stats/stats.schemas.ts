import { z } from 'zod';
import { int32, isoDate, isoDateOut, isoDateTimeOut, outText, uuid } from '../../lib/schemas.ts';
import { SERVICES } from '../consulates/consulates.schemas.ts';
import { DOCUMENTATION_TYPES } from '../documentation-requests/documentation-requests.details.ts';
import { DOCUMENTATION_STATES } from '../documentation-requests/documentation-requests.states.ts';
import { PROTECTION_CATEGORIES, PROTECTION_PRIORITIES } from '../protection-cases/protection-cases.states.ts';

export const statsQuery = z
  .object({
    from: isoDate
      .optional()
      .meta({ description: 'First day, in each consulate’s local calendar. Default: the first of this month.' }),
    to: isoDate.optional().meta({ description: 'Last day, included. Default: the last day of this month.' }),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'must not be before from' });

/**
 * The list request — path and query of a list endpoint — that returns
 * exactly the records a figure counts (or sums), network totals included.
 */
const drillDown = outText(2000).meta({
  description: 'The list request that returns exactly the records behind the figure.',
});

/** A count and the list that returns exactly its records. */
export const countSchema = z.object({ value: int32(), drillDown }).meta({ id: 'StatCount' });

const byKeys = <K extends readonly [string, ...string[]]>(keys: K, description: string) =>
  z
    .object(Object.fromEntries(keys.map((k) => [k, countSchema])) as Record<K[number], typeof countSchema>)
    .meta({ description });

const perType = (description: string) =>
  z.object({ ...byKeys(DOCUMENTATION_TYPES, description).shape, total: countSchema }).meta({ description });

const percentile = z.number().nullable().meta({ description: 'Null when the population is empty.' });

const turnaroundSchema = z.object({
  population: countSchema.meta({ description: 'Requests issued in the period: the population of the figures.' }),
  medianDays: percentile,
  p90Days: percentile,
  medianBusinessDays: percentile,
  p90BusinessDays: percentile,
});

const ratioSchema = z.object({
  numerator: countSchema,
  denominator: countSchema,
  share: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .meta({ description: 'numerator / denominator; null when the denominator is 0.' }),
});

export const documentationFiguresSchema = z.object({
  received: perType('Requests submitted in the period, by type.'),
  issued: perType('Requests issued in the period, by type.'),
  rejected: perType('Requests rejected in the period, by type.'),
  cancelled: perType('Requests cancelled in the period, by type.'),
  backlog: z
    .object({
      byState: byKeys(
        DOCUMENTATION_STATES.filter((s) => !['delivered', 'rejected', 'cancelled'].includes(s)) as unknown as [
          string,
          ...string[],
        ],
        'Requests not yet delivered, rejected or cancelled, now, by state.',
      ),
      byAge: z
        .object({ '0-3': countSchema, '4-10': countSchema, '11-30': countSchema, over30: countSchema })
        .meta({ description: 'The backlog now, by calendar days since submission (local dates).' }),
      total: countSchema,
    })
    .meta({ description: 'Work in hand now (not limited to the period).' }),
  turnaround: z
    .object(
      Object.fromEntries(DOCUMENTATION_TYPES.map((t) => [t, turnaroundSchema])) as Record<
        (typeof DOCUMENTATION_TYPES)[number],
        typeof turnaroundSchema
      >,
    )
    .meta({ description: 'Submission to issuance, in calendar and business days (consulate calendar), per type.' }),
  deadlineCompliance: ratioSchema.meta({
    description:
      'Of the requests resolved (approved or rejected) in the period, the share resolved by the statutory due time.',
  }),
  civilRegistration: z
    .object({
      birthRegistrationsIssued: countSchema,
      genderIdentityRecognitionsIssued: countSchema,
      total: countSchema,
    })
    .meta({ description: 'The civil-registration figures a ministry publishes.' }),
});

export const protectionFiguresSchema = z.object({
  opened: z.object({
    byCategory: byKeys(PROTECTION_CATEGORIES, 'Cases opened in the period, by category.'),
    byPriority: byKeys(PROTECTION_PRIORITIES, 'Cases opened in the period, by priority.'),
    total: countSchema,
  }),
  closed: z.object({
    byCategory: byKeys(PROTECTION_CATEGORIES, 'Cases closed in the period, by category.'),
    byPriority: byKeys(PROTECTION_PRIORITIES, 'Cases closed in the period, by priority.'),
    total: countSchema,
  }),
  openNow: countSchema.meta({ description: 'Cases open, in progress, referred or reopened now.' }),
  overdueNow: countSchema.meta({ description: 'Cases whose first action is overdue now.' }),
  firstActionCompliance: ratioSchema.meta({
    description: 'Of the cases opened in the period whose first action was taken, the share taken by its due time.',
  }),
});

/** A sum (not a count of records) and the list of the records it adds up. */
export const sumSchema = z.object({ sum: int32(), drillDown }).meta({ id: 'StatSum' });

export const serviceFiguresSchema = z.object({
  appointments: z.object({
    booked: countSchema.meta({ description: 'Appointments for days in the period, not cancelled.' }),
    served: countSchema,
    noShow: countSchema,
    noShowRate: ratioSchema.meta({
      description: 'No-shows among the period’s appointments (not cancelled) whose slot is over.',
    }),
  }),
  walkInTickets: countSchema.meta({ description: 'Walk-in queue tickets issued in the period.' }),
  mobileVisits: z.object({
    held: countSchema.meta({ description: 'Mobile visits completed, with a day in the period.' }),
    peopleServed: z
      .object({ ...Object.fromEntries(SERVICES.map((s) => [s, sumSchema])), total: sumSchema })
      .meta({ description: 'People served at mobile visits on days in the period (attendance), per service.' }),
  }),
});

export const figuresSchema = z
  .object({
    documentation: documentationFiguresSchema,
    protection: protectionFiguresSchema,
    service: serviceFiguresSchema,
  })
  .meta({ id: 'StatFigures' });

const consulateRef = z.object({
  id: uuid,
  code: outText(8),
  name: outText(200),
  timeZone: outText(64),
});

export const consulateStatsSchema = z
  .object({
    consulate: consulateRef,
    period: z.object({ from: isoDateOut, to: isoDateOut, start: isoDateTimeOut, end: isoDateTimeOut }),
    generatedAt: isoDateTimeOut,
    figures: figuresSchema,
  })
  .meta({ id: 'ConsulateStats' });

export const networkStatsSchema = z
  .object({
    period: z
      .object({ from: isoDateOut, to: isoDateOut })
      .meta({ description: 'Days in each consulate’s own local calendar.' }),
    generatedAt: isoDateTimeOut,
    consulates: z.array(z.object({ consulate: consulateRef, figures: figuresSchema })).max(500),
    totals: figuresSchema,
  })
  .meta({ id: 'NetworkStats' });
