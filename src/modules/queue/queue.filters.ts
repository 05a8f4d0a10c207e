import { z } from 'zod';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { isoDate, uuid } from '../../lib/schemas.ts';
import { serviceSchema } from '../consulates/consulates.schemas.ts';

/** Filters of `GET /v1/queue/tickets`, shared with statistics. */
export const ticketFilterSchema = z.object({
  consulateId: uuid.optional(),
  date: isoDate.optional().meta({ description: 'One local day (default: today, when no range is given).' }),
  dateFrom: isoDate.optional().meta({ description: 'First local day of a range.' }),
  dateTo: isoDate.optional().meta({ description: 'Last local day of a range, included.' }),
  service: serviceSchema.optional(),
  state: z.enum(['waiting', 'called', 'served', 'absent']).optional(),
  source: z.enum(['walk_in', 'appointment']).optional(),
});

export type TicketFilter = z.output<typeof ticketFilterSchema>;

export function ticketWhere(f: TicketFilter): Prisma.QueueTicketWhereInput {
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.date ? { localDate: dateValue(f.date) } : {},
      f.dateFrom || f.dateTo
        ? {
            localDate: {
              ...(f.dateFrom ? { gte: dateValue(f.dateFrom) } : {}),
              ...(f.dateTo ? { lte: dateValue(f.dateTo) } : {}),
            },
          }
        : {},
      f.service ? { service: f.service } : {},
      f.state ? { state: f.state } : {},
      f.source ? { source: f.source } : {},
    ],
  };
}
