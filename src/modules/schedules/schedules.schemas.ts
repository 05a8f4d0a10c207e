import { z } from 'zod';
import { int32, isoDateTimeOut, outText, uuid } from '../../lib/schemas.ts';
import { minutesOf } from '../../lib/slots.ts';
import { SERVICES, serviceSchema } from '../consulates/consulates.schemas.ts';

/** A local wall time, `HH:MM` (00:00–23:59). */
export const wallTime = z
  .string()
  .max(5)
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (00:00–23:59)')
  .meta({ examples: ['09:00'] });

export const slotMinutesSchema = int32(5, 240).meta({ description: 'Length of a slot in minutes (5–240).' });

export const weeklyHoursSchema = z
  .object({
    weekday: int32(1, 7).meta({ description: 'ISO weekday: 1 Monday … 7 Sunday.' }),
    opens: wallTime,
    closes: wallTime,
  })
  .strict();

export const serviceCapacitySchema = z
  .object({
    service: serviceSchema,
    capacityPerSlot: int32(1, 1000).meta({ description: 'Appointments per slot for this service.' }),
  })
  .strict();

export const scheduleBody = z
  .object({
    slotMinutes: slotMinutesSchema,
    weeklyHours: z
      .array(weeklyHoursSchema)
      .max(70)
      .meta({ description: 'Opening intervals in the consulate’s time zone; a weekday may have several.' }),
    services: z
      .array(serviceCapacitySchema)
      .max(SERVICES.length)
      .meta({ description: 'Services bookable at the office, each with its capacity per slot.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    // Runs even when fields failed their own checks: look only at well-formed entries.
    const wellFormed = (h: { opens: unknown; closes: unknown }) =>
      wallTime.safeParse(h.opens).success && wallTime.safeParse(h.closes).success;
    body.weeklyHours.forEach((h, i) => {
      if (!wellFormed(h)) return;
      if (h.closes <= h.opens) {
        ctx.addIssue({ code: 'custom', path: ['weeklyHours', i, 'closes'], message: 'must be after opens' });
      } else if (Number.isInteger(body.slotMinutes) && minutesOf(h.closes) - minutesOf(h.opens) < body.slotMinutes) {
        ctx.addIssue({
          code: 'custom',
          path: ['weeklyHours', i, 'closes'],
          message: `leaves no complete slot of ${body.slotMinutes} minutes`,
        });
      }
      const overlapping = body.weeklyHours.findIndex(
        (o, j) => j < i && wellFormed(o) && o.weekday === h.weekday && o.opens < h.closes && h.opens < o.closes,
      );
      if (overlapping >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['weeklyHours', i],
          message: `overlaps weeklyHours.${overlapping} on weekday ${h.weekday}`,
        });
      }
    });
    body.services.forEach((s, i) => {
      if (body.services.findIndex((o) => o.service === s.service) < i) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'service'], message: 'is listed twice' });
      }
    });
  });

export const scheduleSchema = z
  .object({
    consulateId: uuid,
    timeZone: outText(64).meta({ description: 'The consulate’s IANA zone: hours are local to it.' }),
    configured: z.boolean().meta({ description: 'False until a supervisor or admin first sets the schedule.' }),
    slotMinutes: int32().nullable(),
    weeklyHours: z.array(weeklyHoursSchema).max(70),
    services: z.array(serviceCapacitySchema).max(SERVICES.length),
    version: int32().meta({ description: '0 while not configured.' }),
    updatedAt: isoDateTimeOut.nullable(),
  })
  .meta({ id: 'ConsulateSchedule' });
