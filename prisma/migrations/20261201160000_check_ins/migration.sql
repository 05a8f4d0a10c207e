-- AlterTable
ALTER TABLE "queue_tickets" ADD COLUMN     "appointment_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "queue_tickets_appointment_id_key" ON "queue_tickets"("appointment_id");

-- AddForeignKey
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_appointment_id_fkey" FOREIGN KEY ("appointment_id") REFERENCES "appointments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written
-- ---------------------------------------------------------------------------

-- A ticket comes from an appointment exactly when its source says so.
ALTER TABLE "queue_tickets" ADD CONSTRAINT "queue_tickets_source_matches_appointment"
  CHECK ((source = 'appointment') = (appointment_id IS NOT NULL));
