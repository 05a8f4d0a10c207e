import { z } from 'zod';
import { isoDate } from '../../lib/schemas.ts';
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
    .regex(/^[A-Za-z0-9-]{5,32}$/, 'must be a reference such as LAX-2026-000123')
    .transform((v) => v.toUpperCase()),
  dateOfBirth: isoDate,
});

/** Nothing personal: the state, the next step in plain words, the due date. */
export const statusResponse = z
  .object({
    reference: z.string().max(32),
    type: documentationTypeSchema,
    state: documentationStateSchema,
    status: z.string().max(100),
    nextStep: z.string().max(500),
    dueDate: isoDate
      .nullable()
      .meta({ description: 'The statutory due day in the consulate’s calendar, while unresolved.' }),
    language: z.enum(['en', 'es']),
  })
  .strict()
  .meta({ id: 'KioskRequestStatus' });

export const walkInBody = z.object({ service: serviceSchema }).strict();
export const walkInResponse = ticketSchema
  .extend({ waitingAhead: z.number().int().meta({ format: 'int32' }) })
  .meta({ id: 'WalkInTicket' });
