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
