import { z } from 'zod';
import { appointmentFilterSchema } from './appointments.filters.ts';
import {
  cursorQuery,
  int32,
  isoDate,
  isoDateOut,
  isoDateTime,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  uuid,
} from '../../lib/schemas.ts';
import { serviceSchema } from '../consulates/consulates.schemas.ts';
import { CODE_PATTERN } from './appointments.codes.ts';
import { APPOINTMENT_STATES } from './appointments.states.ts';

export const appointmentStateSchema = z.enum(APPOINTMENT_STATES).meta({ id: 'AppointmentState' });

/** Exactly one place: the office (`consulateId`, or the caller's own) or a mobile visit. */
function onePlace(
  value: { consulateId?: string | undefined; mobileVisitId?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (value.consulateId !== undefined && value.mobileVisitId !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['mobileVisitId'],
      message: 'give consulateId (the office) or mobileVisitId (a mobile visit), not both',
    });
  }
}

const placeFields = {
  consulateId: uuid
    .optional()
    .meta({ description: 'The consulate’s office. Staff of a consulate may omit it (their own); admins name it.' }),
  mobileVisitId: uuid.optional().meta({ description: 'A mobile visit instead of the office.' }),
};

export const createAppointmentBody = z
  .object({
    personId: uuid,
    service: serviceSchema,
    ...placeFields,
    startsAt: isoDateTime.meta({
      description:
        'The start of a free slot as availability lists it (`startsAt` or `localStartsAt`): an instant with its offset.',
      examples: ['2026-11-07T09:00:00-08:00'],
    }),
  })
  .strict()
  .superRefine(onePlace);

export const appointmentTransitionBody = z
  .object({
    to: appointmentStateSchema,
    reason: text(2000, { min: 1 }).optional().meta({ description: 'Required for cancelled.' }),
  })
  .strict();

const localTimes = {
  localDate: isoDateOut.meta({ description: 'The date in the office’s (or visit’s) time zone.' }),
  localTime: outText(5, 5).meta({ description: 'Wall-clock time HH:MM there.' }),
  localStartsAt: outText(40).meta({
    description: 'Local start with its UTC offset.',
    examples: ['2026-11-01T01:30:00-08:00'],
  }),
  utcOffset: outText(6).meta({ examples: ['-08:00'] }),
};

export const appointmentSchema = z
  .object({
    id: uuid,
    consulateId: uuid,
    mobileVisitId: uuid.nullable(),
    personId: uuid,
    person: z.object({
      id: uuid,
      givenNames: outText(120),
      firstSurname: outText(120),
      secondSurname: outText(120).nullable(),
    }),
    service: serviceSchema,
    startsAt: isoDateTimeOut.meta({ description: 'UTC.' }),
    endsAt: isoDateTimeOut.meta({ description: 'UTC.' }),
    ...localTimes,
    timeZone: outText(64),
    state: appointmentStateSchema,
    confirmationCode: z.string().length(8).meta({
      pattern: CODE_PATTERN.source,
      description: 'Shown to the person; with the date of birth it checks them in.',
    }),
    checkedInAt: isoDateTimeOut.nullable(),
    servedAt: isoDateTimeOut.nullable(),
    noShowAt: isoDateTimeOut.nullable(),
    cancelledAt: isoDateTimeOut.nullable(),
    cancelledReason: outText(2000).nullable(),
    allowedTransitions: z.array(appointmentStateSchema).max(APPOINTMENT_STATES.length),
    version: int32(),
    createdAt: isoDateTimeOut,
    updatedAt: isoDateTimeOut,
  })
  .meta({ id: 'Appointment' });

export const appointmentListQuery = appointmentFilterSchema.extend({ limit: limitQuery, cursor: cursorQuery });

export const appointmentListResponse = listOf(appointmentSchema);

export const availabilityQuery = z
  .object({
    ...placeFields,
    service: serviceSchema.optional().meta({ description: 'One service; all the place offers when omitted.' }),
    from: isoDate.optional().meta({ description: 'First local date (default: today, or the visit’s first day).' }),
    to: isoDate
      .optional()
      .meta({ description: 'Last local date, included (default: a week from `from`, or the visit’s last day).' }),
  })
  .superRefine(onePlace)
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.to < q.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });

export const slotSchema = z.object({
  service: serviceSchema,
  startsAt: isoDateTimeOut.meta({ description: 'UTC.' }),
  endsAt: isoDateTimeOut.meta({ description: 'UTC.' }),
  ...localTimes,
  capacity: int32(),
  booked: int32(),
  remaining: int32(),
});

export const availabilitySchema = z
  .object({
    consulateId: uuid,
    mobileVisitId: uuid.nullable(),
    timeZone: outText(64),
    slotMinutes: int32(),
    from: isoDateOut,
    to: isoDateOut,
    bookable: z.boolean(),
    notBookableReason: outText(500).nullable(),
    data: z
      .array(slotSchema)
      .max(100_000)
      .meta({ description: 'Free slots that have not started, in time order (then by service).' }),
  })
  .meta({ id: 'Availability' });

export const markNoShowsBody = z
  .object({
    date: isoDate.meta({ description: 'The local date whose appointments to close.' }),
    ...placeFields,
  })
  .strict();

export const markNoShowsResponse = z
  .object({
    date: isoDateOut,
    consulateId: uuid,
    mobileVisitId: uuid.nullable(),
    changed: z.boolean().meta({ description: 'False when nothing was left to mark (a repeated call).' }),
    marked: int32(),
    stillBooked: int32().meta({ description: 'Booked appointments whose slot has not ended yet: left alone.' }),
    detail: outText(500),
    appointments: z
      .array(
        z.object({
          id: uuid,
          personId: uuid,
          mobileVisitId: uuid.nullable(),
          service: serviceSchema,
          startsAt: isoDateTimeOut,
          localStartsAt: outText(40),
        }),
      )
      .max(100_000)
      .meta({ description: 'The appointments this call marked no-show.' }),
  })
  .meta({ id: 'NoShowBatch' });
