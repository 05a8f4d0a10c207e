import { z } from 'zod';
import {
  cursorQuery,
  int32,
  isoDateOut,
  isoDateTimeOut,
  limitQuery,
  listOf,
  outText,
  text,
  uuid,
} from '../../lib/schemas.ts';
import { ticketFilterSchema } from './queue.filters.ts';
import { serviceSchema } from '../consulates/consulates.schemas.ts';

export const ticketStateSchema = z.enum(['waiting', 'called', 'served', 'absent']);

export const ticketSchema = z
  .object({
    id: uuid,
    consulateId: uuid,
    date: isoDateOut,
    ticket: outText(12).meta({ examples: ['P-014'] }),
    service: serviceSchema,
    source: z.enum(['walk_in', 'appointment']),
    appointmentId: uuid.nullable().meta({ description: 'The appointment checked in with this ticket.' }),
    state: ticketStateSchema,
    counter: outText(20).nullable(),
    issuedAt: isoDateTimeOut,
    calledAt: isoDateTimeOut.nullable(),
    finishedAt: isoDateTimeOut.nullable(),
    version: int32(),
  })
  .meta({ id: 'QueueTicket' });

export const callNextBody = z
  .object({
    service: serviceSchema,
    counter: text(20, { min: 1 }).meta({ description: 'Where the national should go, e.g. "Window 3".' }),
    consulateId: uuid.optional().meta({ description: 'Admins name the consulate.' }),
  })
  .strict();

export const ticketTransitionBody = z.object({ to: z.enum(['served', 'absent']) }).strict();

export const queueListQuery = ticketFilterSchema.extend({ limit: limitQuery, cursor: cursorQuery });

export const queueListResponse = listOf(ticketSchema);

/** The lobby board: ticket numbers only. */
export const boardSchema = z
  .object({
    date: isoDateOut,
    services: z
      .array(
        z.object({
          service: serviceSchema,
          waiting: z.array(outText(12)).max(10_000),
          called: z.array(z.object({ ticket: outText(12), counter: outText(20) })).max(100),
        }),
      )
      .max(20),
  })
  .meta({ id: 'QueueBoard' });
