import { z } from 'zod';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { oneOrMore } from '../../lib/filters.ts';
import { isoDate, uuid } from '../../lib/schemas.ts';
import { MOBILE_VISIT_STATES } from './mobile-visits.states.ts';

/** Filters of `GET /v1/mobile-visits`, shared with statistics. */
export const mobileVisitFilterSchema = z.object({
  consulateId: uuid.optional(),
  state: oneOrMore(MOBILE_VISIT_STATES),
  hostState: z
    .string()
    .max(2)
    .regex(/^[A-Z]{2}$/, 'must be a two-letter US state code, e.g. CA')
    .optional(),
  from: isoDate.optional().meta({ description: 'Visits with a day on or after this date.' }),
  to: isoDate.optional().meta({ description: 'Visits with a day on or before this date.' }),
});

export type MobileVisitFilter = z.output<typeof mobileVisitFilterSchema>;

export function mobileVisitWhere(f: MobileVisitFilter): Prisma.MobileVisitWhereInput {
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.state ? { state: { in: f.state } } : {},
      f.hostState ? { hostState: f.hostState } : {},
      f.from ? { lastDay: { gte: dateValue(f.from) } } : {},
      f.to ? { firstDay: { lte: dateValue(f.to) } } : {},
    ],
  };
}
