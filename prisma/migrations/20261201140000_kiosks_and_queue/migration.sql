-- CreateEnum
CREATE TYPE "ticket_state" AS ENUM ('waiting', 'called', 'served', 'absent');

-- CreateEnum
CREATE TYPE "ticket_source" AS ENUM ('walk_in', 'appointment');

-- CreateTable
CREATE TABLE "kiosks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "location" VARCHAR(200),
    "secret_hash" CHAR(64) NOT NULL,
    "secret_version" INTEGER NOT NULL DEFAULT 1,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "created_by_id" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "kiosks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_lookup_locks" (
    "reference" VARCHAR(32) NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,
    "failures" INTEGER NOT NULL,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "status_lookup_locks_pkey" PRIMARY KEY ("reference")
);

-- CreateTable
CREATE TABLE "ticket_counters" (
    "consulate_id" UUID NOT NULL,
    "local_date" DATE NOT NULL,
    "service" "consular_service" NOT NULL,
    "last_value" INTEGER NOT NULL,

    CONSTRAINT "ticket_counters_pkey" PRIMARY KEY ("consulate_id","local_date","service")
);

-- CreateTable
CREATE TABLE "queue_tickets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "local_date" DATE NOT NULL,
    "service" "consular_service" NOT NULL,
    "number" INTEGER NOT NULL,
    "code" VARCHAR(12) NOT NULL,
    "source" "ticket_source" NOT NULL,
    "kiosk_id" UUID,
    "state" "ticket_state" NOT NULL DEFAULT 'waiting',
    "counter" VARCHAR(20),
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "called_at" TIMESTAMPTZ(3),
    "called_by_id" UUID,
    "finished_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "queue_tickets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "kiosks_consulate_id_created_at_id_idx" ON "kiosks"("consulate_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "status_lookup_locks_window_started_at_idx" ON "status_lookup_locks"("window_started_at");

-- CreateIndex
CREATE INDEX "queue_tickets_consulate_id_local_date_state_idx" ON "queue_tickets"("consulate_id", "local_date", "state");

-- CreateIndex
CREATE UNIQUE INDEX "queue_tickets_consulate_id_local_date_service_number_key" ON "queue_tickets"("consulate_id", "local_date", "service", "number");

-- AddForeignKey
ALTER TABLE "kiosks" ADD CONSTRAINT "kiosks_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_kiosk_id_fkey" FOREIGN KEY ("kiosk_id") REFERENCES "kiosks"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot say.
-- ---------------------------------------------------------------------------

ALTER TABLE "ticket_counters" ADD CONSTRAINT "ticket_counters_positive" CHECK (last_value > 0);
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_number_positive" CHECK (number > 0);
ALTER TABLE "status_lookup_locks" ADD CONSTRAINT "status_lookup_locks_failures" CHECK (failures > 0);

-- The lobby board and call-next read the waiting tickets of one consulate and day.
CREATE INDEX "queue_tickets_waiting" ON "queue_tickets" (consulate_id, local_date, service, number)
  WHERE state = 'waiting';
