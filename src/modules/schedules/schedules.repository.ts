import type { Db } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

export const scheduleSelect = {
  consulateId: true,
  slotMinutes: true,
  version: true,
  updatedAt: true,
  hours: { select: { weekday: true, opens: true, closes: true }, orderBy: [{ weekday: 'asc' }, { opens: 'asc' }] },
  services: { select: { service: true, capacityPerSlot: true }, orderBy: { service: 'asc' } },
} satisfies Prisma.ConsulateScheduleSelect;

export type ScheduleRow = Prisma.ConsulateScheduleGetPayload<{ select: typeof scheduleSelect }>;

export function findSchedule(db: Db, consulateId: string): Promise<ScheduleRow | null> {
  return db.consulateSchedule.findUnique({ where: { consulateId }, select: scheduleSelect });
}

/**
 * The schedule's version under a row lock, creating a placeholder row (version
 * 0) for a consulate that has none yet, so two first edits also queue up.
 */
export async function lockSchedule(db: Db, consulateId: string, slotMinutes: number): Promise<number> {
  await db.$executeRaw`
    INSERT INTO consulate_schedules (consulate_id, slot_minutes, version)
    VALUES (${consulateId}::uuid, ${slotMinutes}, 0)
    ON CONFLICT (consulate_id) DO NOTHING`;
  const [row] = await db.$queryRaw<{ version: number }[]>`
    SELECT version FROM consulate_schedules WHERE consulate_id = ${consulateId}::uuid FOR UPDATE`;
  return row!.version;
}

export interface ScheduleInput {
  slotMinutes: number;
  weeklyHours: { weekday: number; opens: string; closes: string }[];
  services: { service: Prisma.ConsulateServiceCapacityCreateManyInput['service']; capacityPerSlot: number }[];
}

/** Replaces the schedule (the caller holds the lock of lockSchedule) and bumps its version. */
export async function writeSchedule(db: Db, consulateId: string, input: ScheduleInput): Promise<ScheduleRow> {
  await db.consulateOpeningHours.deleteMany({ where: { consulateId } });
  await db.consulateServiceCapacity.deleteMany({ where: { consulateId } });
  if (input.weeklyHours.length > 0) {
    await db.consulateOpeningHours.createMany({ data: input.weeklyHours.map((h) => ({ consulateId, ...h })) });
  }
  if (input.services.length > 0) {
    await db.consulateServiceCapacity.createMany({ data: input.services.map((s) => ({ consulateId, ...s })) });
  }
  return db.consulateSchedule.update({
    where: { consulateId },
    data: { slotMinutes: input.slotMinutes, version: { increment: 1 } },
    select: scheduleSelect,
  });
}

export interface OfficePlanRow {
  time_zone: string;
  status: 'planned' | 'active' | 'closed';
  /** Null (with version) while the office has no schedule. */
  slot_minutes: number | null;
  version: number | null;
  hours: { weekday: number; opens: string; closes: string }[];
  services: { service: Prisma.ConsulateServiceCapacityCreateManyInput['service']; capacityPerSlot: number }[];
  holidays: string[];
}

/**
 * Everything booking needs about an office, in one statement (it runs on
 * every booking): zone, status, schedule, hours, capacities, and the
 * holidays between two dates. Null when the consulate does not exist.
 */
export async function findOfficePlan(
  db: Db,
  consulateId: string,
  from: string,
  to: string,
): Promise<OfficePlanRow | null> {
  const [row] = await db.$queryRaw<OfficePlanRow[]>`
    SELECT c.time_zone, c.status::text AS status, s.slot_minutes, s.version,
      COALESCE((SELECT json_agg(json_build_object('weekday', h.weekday, 'opens', h.opens, 'closes', h.closes)
                                ORDER BY h.weekday, h.opens)
                FROM consulate_opening_hours h WHERE h.consulate_id = c.id), '[]') AS hours,
      COALESCE((SELECT json_agg(json_build_object('service', v.service, 'capacityPerSlot', v.capacity_per_slot)
                                ORDER BY v.service)
                FROM consulate_service_capacities v WHERE v.consulate_id = c.id), '[]') AS services,
      COALESCE((SELECT json_agg(to_char(d.date, 'YYYY-MM-DD'))
                FROM consulate_holidays d
                WHERE d.consulate_id = c.id AND d.date BETWEEN ${from}::date AND ${to}::date), '[]') AS holidays
    FROM consulates c LEFT JOIN consulate_schedules s ON s.consulate_id = c.id
    WHERE c.id = ${consulateId}::uuid`;
  return row ?? null;
}
