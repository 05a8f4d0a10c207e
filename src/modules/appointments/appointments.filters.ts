import { z } from 'zod';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { dateRange, oneOrMore } from '../../lib/filters.ts';
import { booleanQuery, isoDate, uuid, uuidOrNone } from '../../lib/schemas.ts';
import { SERVICES } from '../consulates/consulates.schemas.ts';
import { APPOINTMENT_STATES } from './appointments.states.ts';

/** Filters of `GET /v1/appointments`, shared with statistics (a figure counts what its drill-down lists). */
export const appointmentFilterSchema = z.object({
  date: isoDate.optional().meta({ description: 'The local date (the day’s queue).' }),
  dateFrom: isoDate.optional().meta({ description: 'First local date of a range.' }),
  dateTo: isoDate.optional().meta({ description: 'Last local date of a range, included.' }),
  consulateId: uuid.optional(),
  mobileVisitId: uuidOrNone.optional().meta({ description: 'A mobile visit, or `none` for the office only.' }),
  state: oneOrMore(APPOINTMENT_STATES),
  cancelled: booleanQuery.meta({ description: 'false: every state but cancelled.' }),
  ended: booleanQuery.meta({ description: 'true: the slot is over.' }),
  service: oneOrMore(SERVICES),
  personId: uuid.optional(),
});

export type AppointmentFilter = z.output<typeof appointmentFilterSchema>;

export function appointmentWhere(f: AppointmentFilter, now: Date): Prisma.AppointmentWhereInput {
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.date ? { localDate: dateValue(f.date) } : {},
      f.dateFrom || f.dateTo ? { localDate: dateRange(f.dateFrom, f.dateTo) } : {},
      f.mobileVisitId === 'none' ? { mobileVisitId: null } : f.mobileVisitId ? { mobileVisitId: f.mobileVisitId } : {},
      f.state ? { state: { in: f.state } } : {},
      f.cancelled === true ? { state: 'cancelled' } : f.cancelled === false ? { state: { not: 'cancelled' } } : {},
      f.ended === true ? { endsAt: { lte: now } } : f.ended === false ? { endsAt: { gt: now } } : {},
      f.service ? { service: { in: f.service } } : {},
      f.personId ? { personId: f.personId } : {},
    ],
  };
}
