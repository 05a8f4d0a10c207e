-- CreateEnum
CREATE TYPE "protection_category" AS ENUM ('detention', 'deportation_proceedings', 'immigration_information', 'legal_guidance', 'labor_rights', 'gender_based_violence', 'human_trafficking', 'minor_unaccompanied', 'death_repatriation', 'health_emergency', 'missing_person', 'civil_family');

-- CreateEnum
CREATE TYPE "protection_priority" AS ENUM ('urgent', 'high', 'normal', 'low');

-- CreateEnum
CREATE TYPE "protection_state" AS ENUM ('open', 'in_progress', 'referred', 'resolved', 'closed', 'reopened');

-- CreateEnum
CREATE TYPE "consent_channel" AS ENUM ('in_person', 'phone', 'video', 'email', 'written', 'consular_visit');

-- CreateEnum
CREATE TYPE "consent_given_by" AS ENUM ('national', 'legal_guardian', 'next_of_kin');

-- CreateEnum
CREATE TYPE "protection_note_kind" AS ENUM ('contact', 'action', 'legal', 'consular_visit', 'internal', 'correction');

-- CreateEnum
CREATE TYPE "referral_kind" AS ENUM ('legal_aid', 'shelter', 'medical', 'ngo', 'other');

-- CreateEnum
CREATE TYPE "referral_status" AS ENUM ('sent', 'accepted', 'declined', 'completed');

-- CreateEnum
CREATE TYPE "protection_event_kind" AS ENUM ('transition', 'transfer', 'escalation', 'confidentiality', 'assignment');

-- AlterTable
ALTER TABLE "documentation_request_events" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "protection_cases" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "reference" VARCHAR(26) NOT NULL,
    "consulate_id" UUID NOT NULL,
    "origin_consulate_id" UUID NOT NULL,
    "person_id" UUID,
    "category" "protection_category" NOT NULL,
    "priority" "protection_priority" NOT NULL,
    "confidential" BOOLEAN NOT NULL DEFAULT false,
    "summary" VARCHAR(4000) NOT NULL,
    "consent_given" BOOLEAN NOT NULL,
    "consent_given_by" "consent_given_by" NOT NULL,
    "consent_recorded_at" TIMESTAMPTZ(3) NOT NULL,
    "consent_channel" "consent_channel" NOT NULL,
    "state" "protection_state" NOT NULL DEFAULT 'open',
    "assigned_to_id" UUID,
    "escalated" BOOLEAN NOT NULL DEFAULT false,
    "escalated_at" TIMESTAMPTZ(3),
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "first_action_due_at" TIMESTAMPTZ(3) NOT NULL,
    "first_action_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "protection_cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "protection_notes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "case_id" UUID NOT NULL,
    "kind" "protection_note_kind" NOT NULL,
    "body" VARCHAR(10000) NOT NULL,
    "corrects_note_id" UUID,
    "author_id" UUID NOT NULL,
    "author_role" VARCHAR(40) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "seq" BIGSERIAL NOT NULL,

    CONSTRAINT "protection_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "protection_referrals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "case_id" UUID NOT NULL,
    "organization" VARCHAR(200) NOT NULL,
    "kind" "referral_kind" NOT NULL,
    "contact" VARCHAR(300),
    "notes" VARCHAR(2000),
    "status" "referral_status" NOT NULL DEFAULT 'sent',
    "created_by_id" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "protection_referrals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "protection_case_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "case_id" UUID NOT NULL,
    "kind" "protection_event_kind" NOT NULL,
    "from_state" "protection_state",
    "to_state" "protection_state",
    "from_consulate_id" UUID,
    "to_consulate_id" UUID,
    "reason" VARCHAR(2000),
    "actor_id" UUID NOT NULL,
    "actor_role" VARCHAR(40) NOT NULL,
    "consulate_id" UUID NOT NULL,
    "details" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "seq" BIGSERIAL NOT NULL,

    CONSTRAINT "protection_case_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "protection_cases_reference_key" ON "protection_cases"("reference");

-- CreateIndex
CREATE INDEX "protection_cases_consulate_id_opened_at_id_idx" ON "protection_cases"("consulate_id", "opened_at", "id");

-- CreateIndex
CREATE INDEX "protection_cases_consulate_id_state_idx" ON "protection_cases"("consulate_id", "state");

-- CreateIndex
CREATE INDEX "protection_cases_consulate_id_first_action_due_at_idx" ON "protection_cases"("consulate_id", "first_action_due_at");

-- CreateIndex
CREATE INDEX "protection_cases_escalated_opened_at_idx" ON "protection_cases"("escalated", "opened_at");

-- CreateIndex
CREATE INDEX "protection_notes_case_id_created_at_id_idx" ON "protection_notes"("case_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "protection_referrals_case_id_created_at_idx" ON "protection_referrals"("case_id", "created_at");

-- CreateIndex
CREATE INDEX "protection_case_events_case_id_at_idx" ON "protection_case_events"("case_id", "at");

-- CreateIndex
CREATE INDEX "protection_case_events_consulate_id_kind_at_idx" ON "protection_case_events"("consulate_id", "kind", "at");

-- AddForeignKey
ALTER TABLE "protection_cases" ADD CONSTRAINT "protection_cases_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "protection_cases" ADD CONSTRAINT "protection_cases_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "persons"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "protection_notes" ADD CONSTRAINT "protection_notes_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "protection_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "protection_referrals" ADD CONSTRAINT "protection_referrals_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "protection_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "protection_case_events" ADD CONSTRAINT "protection_case_events_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "protection_cases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot say.
-- ---------------------------------------------------------------------------

-- Protection acts only when the national (or guardian, or next of kin) requests or accepts it.
ALTER TABLE "protection_cases" ADD CONSTRAINT "protection_cases_consent_given" CHECK (consent_given);

-- The overdue view: cases whose first action is still due, by how late they are.
CREATE INDEX "protection_cases_first_action_pending"
  ON "protection_cases" (consulate_id, first_action_due_at)
  WHERE first_action_at IS NULL;

-- A correction points at a note of the same case.
CREATE FUNCTION protection_note_correction_same_case() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.corrects_note_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM protection_notes WHERE id = NEW.corrects_note_id AND case_id = NEW.case_id
  ) THEN
    RAISE EXCEPTION 'a correction must point at a note of the same case' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER protection_notes_correction_same_case
  BEFORE INSERT ON "protection_notes"
  FOR EACH ROW EXECUTE FUNCTION protection_note_correction_same_case();

-- Notes and the case history are append-only (refuse_history_change() is from an earlier migration).
CREATE TRIGGER protection_notes_append_only
  BEFORE UPDATE OR DELETE ON "protection_notes"
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER protection_notes_no_truncate
  BEFORE TRUNCATE ON "protection_notes"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER protection_case_events_append_only
  BEFORE UPDATE OR DELETE ON "protection_case_events"
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER protection_case_events_no_truncate
  BEFORE TRUNCATE ON "protection_case_events"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
