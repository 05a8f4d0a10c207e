import { z } from 'zod';
import { dateValue } from '../../lib/calendar.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { dateRange, oneOrMore } from '../../lib/filters.ts';
import { isoDate, uuid } from '../../lib/schemas.ts';
import { SERVICES } from '../consulates/consulates.schemas.ts';

/** Filters of `GET /v1/queue/tickets`, shared with statistics. */
export const ticketFilterSchema = z.object({
  consulateId: uuid.optional(),
  date: isoDate.optional().meta({ description: 'One local day (default: today, when no range is given).' }),
  dateFrom: isoDate.optional().meta({ description: 'First local day of a range.' }),
  dateTo: isoDate.optional().meta({ description: 'Last local day of a range, included.' }),
  service: oneOrMore(SERVICES),
  state: oneOrMore(['waiting', 'called', 'served', 'absent']),
  source: oneOrMore(['walk_in', 'appointment']),
});

export type TicketFilter = z.output<typeof ticketFilterSchema>;

export function ticketWhere(f: TicketFilter): Prisma.QueueTicketWhereInput {
  return {
    AND: [
      f.consulateId ? { consulateId: f.consulateId } : {},
      f.date ? { localDate: dateValue(f.date) } : {},
      f.dateFrom || f.dateTo ? { localDate: dateRange(f.dateFrom, f.dateTo) } : {},
      f.service ? { service: { in: f.service } } : {},
      f.state ? { state: { in: f.state } } : {},
      f.source ? { source: { in: f.source } } : {},
    ],
  };
}
