import { z } from 'zod';
import { int32, isoDate, isoDateOut, outText } from '../../lib/schemas.ts';
import { serviceSchema } from '../consulates/consulates.schemas.ts';
import {
  documentationStateSchema,
  documentationTypeSchema,
} from '../documentation-requests/documentation-requests.schemas.ts';
import { ticketSchema } from '../queue/queue.schemas.ts';

export const statusQuery = z.object({
  reference: z
    .string()
    .trim()
    .max(32)
    .regex(/^[A-Za-z0-9-]{5,32}$/, 'must be a reference such as LAX-2026-000123')
    .transform((v) => v.toUpperCase()),
  dateOfBirth: isoDate,
});

/** Nothing personal: the state, the next step in plain words, the due date. */
export const statusResponse = z
  .object({
    reference: outText(32),
    type: documentationTypeSchema,
    typeName: outText(100).meta({ description: 'The procedure’s name in the answer’s language.' }),
    state: documentationStateSchema,
    status: outText(100),
    nextStep: outText(500),
    dueDate: isoDateOut
      .nullable()
      .meta({ description: 'The statutory due day in the consulate’s calendar, while unresolved.' }),
    language: z.enum(['en', 'es']),
  })
  .strict()
  .meta({ id: 'KioskRequestStatus' });

export const walkInBody = z.object({ service: serviceSchema }).strict();
export const walkInResponse = ticketSchema.extend({ waitingAhead: int32() }).meta({ id: 'WalkInTicket' });

export const kioskAppointmentsQuery = z.object({
  date: isoDate.optional().meta({ description: 'Local date at the consulate; default today.' }),
});

/** Only what a lobby may show: no names, CURP, contact or date of birth. */
export const kioskAppointmentsResponse = z
  .object({
    date: isoDateOut,
    data: z
      .array(
        z
          .object({
            time: outText(5).meta({ description: 'Local time, HH:MM.' }),
            service: serviceSchema,
            confirmationCode: outText(8, 8),
            state: z.enum(['booked', 'checked_in', 'served', 'no_show', 'cancelled']),
            initials: outText(40).meta({ examples: ['M. J. N. G.'] }),
          })
          .strict(),
      )
      .max(5000),
  })
  .strict()
  .meta({ id: 'KioskAppointments' });

export const checkInBody = z
  .object({
    confirmationCode: z
      .string()
      .trim()
      .min(4)
      .max(12)
      .regex(/^[A-Za-z0-9]+$/, 'must be the confirmation code of an appointment, e.g. K7QX3MTP')
      .transform((v) => v.toUpperCase()),
    dateOfBirth: isoDate,
  })
  .strict();

export const checkInResponse = z
  .object({
    ticket: ticketSchema,
    appointment: z.object({
      time: outText(5),
      utcOffset: outText(6),
      service: serviceSchema,
      state: z.literal('checked_in'),
    }),
  })
  .meta({ id: 'KioskCheckIn' });
