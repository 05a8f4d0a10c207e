import { z } from 'zod';
import { mobileVisitFilterSchema } from './mobile-visits.filters.ts';
import {
  cursorQuery,
  int32,
  isoDate,
  isoDateOut,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  timeZone,
  usState,
  uuid,
} from '../../lib/schemas.ts';
import { SERVICES, serviceSchema } from '../consulates/consulates.schemas.ts';
import { slotMinutesSchema, wallTime } from '../schedules/schedules.schemas.ts';
import { MOBILE_VISIT_STATES } from './mobile-visits.states.ts';

export const mobileVisitStateSchema = z.enum(MOBILE_VISIT_STATES).meta({ id: 'MobileVisitState' });

const dayInput = z
  .object({
    date: isoDate,
    opens: wallTime.meta({ description: 'Local time in the visit’s time zone.' }),
    closes: wallTime,
  })
  .strict();

const daysInput = z
  .array(dayInput)
  .min(1)
  .max(31)
  .meta({ description: 'One or more days, weekends allowed, each with local opening and closing times.' });
const servicesInput = z.array(serviceSchema).min(1).max(SERVICES.length);

type DayInput = z.output<typeof dayInput>;

function checkDays(days: DayInput[] | undefined, ctx: z.RefinementCtx) {
  days?.forEach((d, i) => {
    const wellFormed = wallTime.safeParse(d.opens).success && wallTime.safeParse(d.closes).success;
    if (wellFormed && d.closes <= d.opens) {
      ctx.addIssue({ code: 'custom', path: ['days', i, 'closes'], message: 'must be after opens' });
    }
    if (days.findIndex((o) => o.date === d.date) < i) {
      ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: 'is listed twice' });
    }
  });
}

function checkServices(services: string[] | undefined, ctx: z.RefinementCtx) {
  services?.forEach((s, i) => {
    if (services.indexOf(s) < i) ctx.addIssue({ code: 'custom', path: ['services', i], message: 'is listed twice' });
  });
}

const descriptive = {
  hostCity: text(100, { min: 1 }),
  hostState: usState,
  venue: text(200, { min: 1 }).meta({ description: 'E.g. a parish hall or community centre.' }),
  address: text(300, { min: 1 }),
};

export const createMobileVisitBody = z
  .object({
    consulateId: uuid.optional().meta({ description: 'Admins name the consulate; supervisors plan their own.' }),
    ...descriptive,
    timeZone: timeZone
      .optional()
      .meta({ description: 'The host city’s IANA zone, when it differs from the consulate’s (the default).' }),
    days: daysInput,
    services: servicesInput,
    slotMinutes: slotMinutesSchema,
    capacityPerSlot: int32(1, 1000).meta({ description: 'Appointments per slot and service.' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    checkDays(b.days, ctx);
    checkServices(b.services, ctx);
  });

export const updateMobileVisitBody = z
  .object({
    hostCity: descriptive.hostCity.optional(),
    hostState: descriptive.hostState.optional(),
    venue: descriptive.venue.optional(),
    address: descriptive.address.optional(),
    capacityPerSlot: int32(1, 1000).optional(),
    timeZone: timeZone.optional(),
    days: daysInput.optional(),
    services: servicesInput.optional(),
    slotMinutes: slotMinutesSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (Object.keys(b).length === 0)
      ctx.addIssue({ code: 'custom', path: [], message: 'must change at least one field' });
    checkDays(b.days, ctx);
    checkServices(b.services, ctx);
  });

export const visitTransitionBody = z
  .object({
    to: mobileVisitStateSchema,
    reason: text(2000, { min: 1 }).optional().meta({ description: 'Required for cancelled.' }),
  })
  .strict();

export const attendanceBody = z
  .object({
    date: isoDate.meta({ description: 'One of the visit’s days.' }),
    served: z
      .array(z.object({ service: serviceSchema, peopleServed: int32(0, 100_000) }).strict())
      .min(1)
      .max(SERVICES.length),
  })
  .strict()
  .superRefine((b, ctx) => {
    b.served.forEach((s, i) => {
      if (b.served.findIndex((o) => o.service === s.service) < i) {
        ctx.addIssue({ code: 'custom', path: ['served', i, 'service'], message: 'is listed twice' });
      }
    });
  });

export const mobileVisitSchema = z
  .object({
    id: uuid,
    consulateId: uuid,
    hostCity: outText(100),
    hostState: outText(2, 2),
    venue: outText(200),
    address: outText(300),
    timeZone: outText(64),
    days: z
      .array(
        z.object({
          date: isoDateOut,
          opens: outText(5, 5),
          closes: outText(5, 5),
          opensAt: isoDateTimeOut.meta({ description: 'The opening instant (UTC).' }),
          closesAt: isoDateTimeOut.meta({ description: 'The closing instant (UTC).' }),
        }),
      )
      .max(31),
    services: z.array(serviceSchema).max(SERVICES.length),
    slotMinutes: int32(),
    capacityPerSlot: int32(),
    state: mobileVisitStateSchema,
    firstDay: isoDateOut,
    lastDay: isoDateOut,
    cancelledAt: isoDateTimeOut.nullable(),
    cancelledReason: outText(2000).nullable(),
    completedAt: isoDateTimeOut.nullable(),
    attendance: z
      .array(z.object({ date: isoDateOut, service: serviceSchema, peopleServed: int32() }))
      .max(31 * SERVICES.length)
      .meta({ description: 'People served, per day and service, as reported.' }),
    peopleServed: z
      .array(z.object({ service: serviceSchema, peopleServed: int32() }))
      .max(SERVICES.length)
      .meta({ description: 'Totals per service over the visit’s days.' }),
    totalPeopleServed: int32(),
    allowedTransitions: z.array(mobileVisitStateSchema).max(MOBILE_VISIT_STATES.length),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'MobileVisit' });

export const mobileVisitListQuery = mobileVisitFilterSchema.extend({ limit: limitQuery, cursor: cursorQuery });

export const mobileVisitListResponse = listOf(mobileVisitSchema);
