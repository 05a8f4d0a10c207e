-- CreateEnum
CREATE TYPE "mobile_visit_state" AS ENUM ('planned', 'confirmed', 'in_progress', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "appointment_state" AS ENUM ('booked', 'checked_in', 'served', 'no_show', 'cancelled');

-- CreateTable
CREATE TABLE "consulate_schedules" (
    "consulate_id" UUID NOT NULL,
    "slot_minutes" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consulate_schedules_pkey" PRIMARY KEY ("consulate_id")
);

-- CreateTable
CREATE TABLE "consulate_opening_hours" (
    "consulate_id" UUID NOT NULL,
    "weekday" SMALLINT NOT NULL,
    "opens" CHAR(5) NOT NULL,
    "closes" CHAR(5) NOT NULL,

    CONSTRAINT "consulate_opening_hours_pkey" PRIMARY KEY ("consulate_id","weekday","opens")
);

-- CreateTable
CREATE TABLE "consulate_service_capacities" (
    "consulate_id" UUID NOT NULL,
    "service" "consular_service" NOT NULL,
    "capacity_per_slot" INTEGER NOT NULL,

    CONSTRAINT "consulate_service_capacities_pkey" PRIMARY KEY ("consulate_id","service")
);

-- CreateTable
CREATE TABLE "mobile_visits" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "host_city" VARCHAR(100) NOT NULL,
    "host_state" CHAR(2) NOT NULL,
    "venue" VARCHAR(200) NOT NULL,
    "address" VARCHAR(300) NOT NULL,
    "time_zone" VARCHAR(64) NOT NULL,
    "services" "consular_service"[],
    "slot_minutes" INTEGER NOT NULL,
    "capacity_per_slot" INTEGER NOT NULL,
    "state" "mobile_visit_state" NOT NULL DEFAULT 'planned',
    "first_day" DATE NOT NULL,
    "last_day" DATE NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3),
    "cancelled_reason" VARCHAR(2000),
    "completed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mobile_visits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mobile_visit_days" (
    "visit_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "opens" CHAR(5) NOT NULL,
    "closes" CHAR(5) NOT NULL,

    CONSTRAINT "mobile_visit_days_pkey" PRIMARY KEY ("visit_id","date")
);

-- CreateTable
CREATE TABLE "mobile_visit_attendance" (
    "visit_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "service" "consular_service" NOT NULL,
    "people_served" INTEGER NOT NULL,
    "recorded_by_id" UUID,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mobile_visit_attendance_pkey" PRIMARY KEY ("visit_id","date","service")
);

-- CreateTable
CREATE TABLE "appointments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "mobile_visit_id" UUID,
    "person_id" UUID NOT NULL,
    "service" "consular_service" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "local_date" DATE NOT NULL,
    "time_zone" VARCHAR(64) NOT NULL,
    "state" "appointment_state" NOT NULL DEFAULT 'booked',
    "confirmation_code" CHAR(8) NOT NULL,
    "booked_by_id" UUID,
    "checked_in_at" TIMESTAMPTZ(3),
    "served_at" TIMESTAMPTZ(3),
    "no_show_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "cancelled_reason" VARCHAR(2000),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appointments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appointment_slots" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "mobile_visit_id" UUID,
    "service" "consular_service" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "booked" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "appointment_slots_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mobile_visits_consulate_id_first_day_id_idx" ON "mobile_visits"("consulate_id", "first_day", "id");

-- CreateIndex
CREATE INDEX "mobile_visits_consulate_id_state_first_day_idx" ON "mobile_visits"("consulate_id", "state", "first_day");

-- CreateIndex
CREATE INDEX "mobile_visits_host_state_first_day_idx" ON "mobile_visits"("host_state", "first_day");

-- CreateIndex
CREATE UNIQUE INDEX "appointments_confirmation_code_key" ON "appointments"("confirmation_code");

-- CreateIndex
CREATE INDEX "appointments_consulate_id_local_date_starts_at_idx" ON "appointments"("consulate_id", "local_date", "starts_at");

-- CreateIndex
CREATE INDEX "appointments_mobile_visit_id_local_date_starts_at_idx" ON "appointments"("mobile_visit_id", "local_date", "starts_at");

-- CreateIndex
CREATE INDEX "appointments_person_id_local_date_idx" ON "appointments"("person_id", "local_date");

-- CreateIndex
CREATE INDEX "appointment_slots_consulate_id_starts_at_idx" ON "appointment_slots"("consulate_id", "starts_at");

-- CreateIndex
CREATE INDEX "appointment_slots_mobile_visit_id_starts_at_idx" ON "appointment_slots"("mobile_visit_id", "starts_at");

-- AddForeignKey
ALTER TABLE "consulate_schedules" ADD CONSTRAINT "consulate_schedules_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_opening_hours" ADD CONSTRAINT "consulate_opening_hours_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulate_schedules"("consulate_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consulate_service_capacities" ADD CONSTRAINT "consulate_service_capacities_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulate_schedules"("consulate_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mobile_visit_days" ADD CONSTRAINT "mobile_visit_days_visit_id_fkey" FOREIGN KEY ("visit_id") REFERENCES "mobile_visits"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mobile_visit_attendance" ADD CONSTRAINT "mobile_visit_attendance_visit_id_fkey" FOREIGN KEY ("visit_id") REFERENCES "mobile_visits"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_mobile_visit_id_fkey" FOREIGN KEY ("mobile_visit_id") REFERENCES "mobile_visits"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "persons"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointment_slots" ADD CONSTRAINT "appointment_slots_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointment_slots" ADD CONSTRAINT "appointment_slots_mobile_visit_id_fkey" FOREIGN KEY ("mobile_visit_id") REFERENCES "mobile_visits"("id") ON DELETE RESTRICT ON UPDATE CASCADE;



-- ---------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot say.
-- ---------------------------------------------------------------------------

-- Capacity. One counter row per place (the office, or one mobile visit),
-- service and slot start. Booking increments it with
--   INSERT … ON CONFLICT (…) DO UPDATE SET booked = booked + 1 WHERE booked < capacity
-- so the row lock serialises concurrent bookings from every API process and a
-- full slot simply updates nothing. These indexes are the conflict targets.
CREATE UNIQUE INDEX "appointment_slots_office_slot_key"
  ON "appointment_slots" ("consulate_id", "service", "starts_at") WHERE "mobile_visit_id" IS NULL;
CREATE UNIQUE INDEX "appointment_slots_visit_slot_key"
  ON "appointment_slots" ("mobile_visit_id", "service", "starts_at") WHERE "mobile_visit_id" IS NOT NULL;
ALTER TABLE "appointment_slots" ADD CONSTRAINT "appointment_slots_booked_not_negative" CHECK (booked >= 0);

-- One active appointment per person, service and local day (brokers resell
-- appointments): booked, checked in or served. Cancelled and no-show ones do
-- not hold the day.
CREATE UNIQUE INDEX "appointments_one_active_per_person_day"
  ON "appointments" ("person_id", "service", "local_date")
  WHERE state IN ('booked', 'checked_in', 'served');

ALTER TABLE "appointments" ADD CONSTRAINT "appointments_confirmation_code_format"
  CHECK (confirmation_code ~ '^[A-HJKMNP-Z2-9]{8}$');
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_ends_after_start" CHECK (ends_at > starts_at);
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_cancelled_has_reason"
  CHECK (state <> 'cancelled' OR (cancelled_reason IS NOT NULL AND cancelled_at IS NOT NULL));

-- Schedules: local wall times HH:MM, an interval that closes after it opens.
ALTER TABLE "consulate_schedules" ADD CONSTRAINT "consulate_schedules_slot_minutes"
  CHECK (slot_minutes BETWEEN 5 AND 240);
ALTER TABLE "consulate_opening_hours" ADD CONSTRAINT "consulate_opening_hours_weekday" CHECK (weekday BETWEEN 1 AND 7);
ALTER TABLE "consulate_opening_hours" ADD CONSTRAINT "consulate_opening_hours_times"
  CHECK (opens ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND closes ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND opens < closes);
ALTER TABLE "consulate_service_capacities" ADD CONSTRAINT "consulate_service_capacities_positive"
  CHECK (capacity_per_slot BETWEEN 1 AND 1000);

-- Mobile visits.
ALTER TABLE "mobile_visits" ALTER COLUMN "services" SET NOT NULL;
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_services_not_empty" CHECK (cardinality(services) >= 1);
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_host_state_format" CHECK (host_state ~ '^[A-Z]{2}$');
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_slot_minutes" CHECK (slot_minutes BETWEEN 5 AND 240);
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_capacity" CHECK (capacity_per_slot BETWEEN 1 AND 1000);
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_days_in_order" CHECK (first_day <= last_day);
ALTER TABLE "mobile_visits" ADD CONSTRAINT "mobile_visits_cancelled_has_reason"
  CHECK (state <> 'cancelled' OR (cancelled_reason IS NOT NULL AND cancelled_at IS NOT NULL));
ALTER TABLE "mobile_visit_days" ADD CONSTRAINT "mobile_visit_days_times"
  CHECK (opens ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND closes ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND opens < closes);
ALTER TABLE "mobile_visit_attendance" ADD CONSTRAINT "mobile_visit_attendance_not_negative"
  CHECK (people_served >= 0);
