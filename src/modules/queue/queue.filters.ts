import { z } from 'zod';
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

const day = (d: string) => new Date(`${d}T00:00:00Z`);

export function ticketWhere(f: TicketFilter): Prisma.QueueTicketWhereInput {
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.date ? { localDate: day(f.date) } : {},
      f.dateFrom || f.dateTo
        ? {
            localDate: { ...(f.dateFrom ? { gte: day(f.dateFrom) } : {}), ...(f.dateTo ? { lte: day(f.dateTo) } : {}) },
          }
        : {},
      f.service ? { service: f.service } : {},
      f.state ? { state: f.state } : {},
      f.source ? { source: f.source } : {},
    ],
  };
}
