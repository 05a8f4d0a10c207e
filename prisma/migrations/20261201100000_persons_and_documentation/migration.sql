-- CreateEnum
CREATE TYPE "gender_marker" AS ENUM ('F', 'M', 'X');

-- CreateEnum
CREATE TYPE "documentation_type" AS ENUM ('passport', 'consular_id', 'birth_registration', 'gender_identity_recognition');

-- CreateEnum
CREATE TYPE "documentation_state" AS ENUM ('submitted', 'under_review', 'needs_information', 'approved', 'issued', 'delivered', 'rejected', 'cancelled');

-- CreateEnum
CREATE TYPE "documentation_event_kind" AS ENUM ('transition', 'flag_cleared', 'payment', 'assignment', 'details_updated');

-- CreateEnum
CREATE TYPE "payment_method" AS ENUM ('cash', 'card', 'money_order');

-- CreateTable
CREATE TABLE "consulate_holidays" (
    "consulate_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "name" VARCHAR(120) NOT NULL,

    CONSTRAINT "consulate_holidays_pkey" PRIMARY KEY ("consulate_id","date")
);

-- CreateTable
CREATE TABLE "reference_counters" (
    "consulate_id" UUID NOT NULL,
    "series" VARCHAR(4) NOT NULL,
    "year" INTEGER NOT NULL,
    "last_value" INTEGER NOT NULL,

    CONSTRAINT "reference_counters_pkey" PRIMARY KEY ("consulate_id","series","year")
);

-- CreateTable
CREATE TABLE "persons" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID NOT NULL,
    "given_names" VARCHAR(120) NOT NULL,
    "first_surname" VARCHAR(120) NOT NULL,
    "second_surname" VARCHAR(120),
    "name_search" VARCHAR(400) NOT NULL,
    "date_of_birth" DATE NOT NULL,
    "birth_country" CHAR(2) NOT NULL,
    "birth_subdivision" VARCHAR(6),
    "curp" CHAR(18),
    "gender_marker" "gender_marker" NOT NULL,
    "email" VARCHAR(254),
    "phone" VARCHAR(40),
    "address_line1" VARCHAR(200),
    "address_line2" VARCHAR(200),
    "address_city" VARCHAR(100),
    "address_state" CHAR(2),
    "address_postal_code" VARCHAR(10),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "persons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sealed_identities" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "person_id" UUID NOT NULL,
    "given_names" VARCHAR(120) NOT NULL,
    "first_surname" VARCHAR(120) NOT NULL,
    "second_surname" VARCHAR(120),
    "gender_marker" "gender_marker" NOT NULL,
    "documentation_request_id" UUID NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sealed_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "documentation_requests" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "reference" VARCHAR(24) NOT NULL,
    "consulate_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "type" "documentation_type" NOT NULL,
    "details" JSONB NOT NULL,
    "state" "documentation_state" NOT NULL DEFAULT 'submitted',
    "potential_duplicate" BOOLEAN NOT NULL DEFAULT false,
    "fee_pending" BOOLEAN NOT NULL DEFAULT false,
    "emergency" BOOLEAN NOT NULL DEFAULT false,
    "fee_cents" INTEGER NOT NULL DEFAULT 0,
    "paid_cents" INTEGER NOT NULL DEFAULT 0,
    "assigned_to_id" UUID,
    "submitted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "issued_at" TIMESTAMPTZ(3),
    "due_at" TIMESTAMPTZ(3),
    "deadline_days" INTEGER NOT NULL,
    "info_deadline_days" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "documentation_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "documentation_request_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "request_id" UUID NOT NULL,
    "consulate_id" UUID NOT NULL,
    "kind" "documentation_event_kind" NOT NULL,
    "from_state" "documentation_state",
    "to_state" "documentation_state",
    "reason" VARCHAR(2000),
    "actor_id" UUID,
    "actor_role" VARCHAR(40),
    "details" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "documentation_request_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "documentation_payments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "request_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "method" "payment_method" NOT NULL,
    "receipt" VARCHAR(64) NOT NULL,
    "recorded_by_id" UUID,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "documentation_payments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "persons_curp_idx" ON "persons"("curp");

-- CreateIndex
CREATE INDEX "persons_consulate_id_created_at_id_idx" ON "persons"("consulate_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "persons_consulate_id_date_of_birth_idx" ON "persons"("consulate_id", "date_of_birth");

-- CreateIndex
CREATE UNIQUE INDEX "persons_consulate_id_curp_key" ON "persons"("consulate_id", "curp");

-- CreateIndex
CREATE INDEX "sealed_identities_person_id_idx" ON "sealed_identities"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "documentation_requests_reference_key" ON "documentation_requests"("reference");

-- CreateIndex
CREATE INDEX "documentation_requests_consulate_id_created_at_id_idx" ON "documentation_requests"("consulate_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "documentation_requests_consulate_id_state_idx" ON "documentation_requests"("consulate_id", "state");

-- CreateIndex
CREATE INDEX "documentation_requests_consulate_id_due_at_idx" ON "documentation_requests"("consulate_id", "due_at");

-- CreateIndex
CREATE INDEX "documentation_requests_person_id_type_idx" ON "documentation_requests"("person_id", "type");

-- CreateIndex
CREATE INDEX "documentation_requests_assigned_to_id_idx" ON "documentation_requests"("assigned_to_id");

-- CreateIndex
CREATE INDEX "documentation_request_events_request_id_at_idx" ON "documentation_request_events"("request_id", "at");

-- CreateIndex
CREATE INDEX "documentation_request_events_consulate_id_to_state_at_idx" ON "documentation_request_events"("consulate_id", "to_state", "at");

-- CreateIndex
CREATE INDEX "documentation_payments_request_id_idx" ON "documentation_payments"("request_id");

-- AddForeignKey
ALTER TABLE "consulate_holidays" ADD CONSTRAINT "consulate_holidays_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "persons" ADD CONSTRAINT "persons_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sealed_identities" ADD CONSTRAINT "sealed_identities_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "persons"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documentation_requests" ADD CONSTRAINT "documentation_requests_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documentation_requests" ADD CONSTRAINT "documentation_requests_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "persons"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documentation_request_events" ADD CONSTRAINT "documentation_request_events_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "documentation_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documentation_payments" ADD CONSTRAINT "documentation_payments_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "documentation_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot say.
-- ---------------------------------------------------------------------------

-- Name search is a substring match on a normalised column: a trigram index serves it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "persons_name_search_trgm" ON "persons" USING gin ("name_search" gin_trgm_ops);

ALTER TABLE "persons" ADD CONSTRAINT "persons_curp_format"
  CHECK (curp IS NULL OR curp ~ '^[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]$');
ALTER TABLE "persons" ADD CONSTRAINT "persons_birth_country_format" CHECK (birth_country ~ '^[A-Z]{2}$');

ALTER TABLE "documentation_requests" ADD CONSTRAINT "documentation_requests_amounts"
  CHECK (fee_cents >= 0 AND paid_cents >= 0);
ALTER TABLE "documentation_payments" ADD CONSTRAINT "documentation_payments_amount" CHECK (amount_cents > 0);
ALTER TABLE "reference_counters" ADD CONSTRAINT "reference_counters_positive" CHECK (last_value > 0);

-- Timelines are history: append-only, like the audit log.
CREATE FUNCTION refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER documentation_request_events_append_only
  BEFORE UPDATE OR DELETE ON "documentation_request_events"
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER documentation_request_events_no_truncate
  BEFORE TRUNCATE ON "documentation_request_events"
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
