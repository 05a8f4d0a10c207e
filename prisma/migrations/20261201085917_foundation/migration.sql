-- CreateEnum
CREATE TYPE "staff_role" AS ENUM ('admin', 'auditor', 'supervisor', 'documentation_officer', 'protection_officer');

-- CreateEnum
CREATE TYPE "consulate_kind" AS ENUM ('consulate_general', 'consulate', 'consular_section');

-- CreateEnum
CREATE TYPE "consulate_status" AS ENUM ('planned', 'active', 'closed');

-- CreateEnum
CREATE TYPE "consular_service" AS ENUM ('passport', 'consular_id', 'birth_registration', 'gender_identity_recognition', 'protection', 'notarization', 'legalization', 'visa');

-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('staff', 'kiosk', 'system');

-- CreateTable
CREATE TABLE "consulates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" VARCHAR(8) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "kind" "consulate_kind" NOT NULL,
    "city" VARCHAR(100) NOT NULL,
    "state" CHAR(2) NOT NULL,
    "address" VARCHAR(300),
    "time_zone" VARCHAR(64) NOT NULL,
    "phone" VARCHAR(40),
    "email" VARCHAR(254),
    "status" "consulate_status" NOT NULL DEFAULT 'active',
    "opening_date" DATE,
    "services" "consular_service"[] DEFAULT ARRAY[]::"consular_service"[],
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consulates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" VARCHAR(254) NOT NULL,
    "full_name" VARCHAR(200) NOT NULL,
    "role" "staff_role" NOT NULL,
    "consulate_id" UUID,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "password_hash" TEXT NOT NULL,
    "failed_login_count" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "staff_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" VARCHAR(40),

    CONSTRAINT "auth_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refresh_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "session_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" UUID,
    "actor_role" VARCHAR(40),
    "consulate_id" UUID,
    "action" VARCHAR(80) NOT NULL,
    "entity_type" VARCHAR(60) NOT NULL,
    "entity_id" UUID,
    "changed_fields" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "details" JSONB,
    "request_id" VARCHAR(128),

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "caller_key" VARCHAR(80) NOT NULL,
    "key" VARCHAR(200) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "response_status" INTEGER,
    "response_body" TEXT,
    "response_headers" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("caller_key","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "consulates_code_key" ON "consulates"("code");

-- CreateIndex
CREATE INDEX "consulates_state_idx" ON "consulates"("state");

-- CreateIndex
CREATE INDEX "consulates_status_idx" ON "consulates"("status");

-- CreateIndex
CREATE UNIQUE INDEX "staff_email_key" ON "staff"("email");

-- CreateIndex
CREATE INDEX "staff_consulate_id_created_at_id_idx" ON "staff"("consulate_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "staff_created_at_id_idx" ON "staff"("created_at", "id");

-- CreateIndex
CREATE INDEX "auth_sessions_staff_id_idx" ON "auth_sessions"("staff_id");

-- CreateIndex
CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "refresh_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "refresh_tokens_session_id_idx" ON "refresh_tokens"("session_id");

-- CreateIndex
CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events"("occurred_at", "id");

-- CreateIndex
CREATE INDEX "audit_events_consulate_id_occurred_at_id_idx" ON "audit_events"("consulate_id", "occurred_at", "id");

-- CreateIndex
CREATE INDEX "audit_events_entity_type_entity_id_occurred_at_idx" ON "audit_events"("entity_type", "entity_id", "occurred_at");

-- CreateIndex
CREATE INDEX "audit_events_actor_id_occurred_at_idx" ON "audit_events"("actor_id", "occurred_at");

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- AddForeignKey
ALTER TABLE "staff" ADD CONSTRAINT "staff_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Hand-written: rules Prisma's schema language cannot say.
-- ---------------------------------------------------------------------------

-- Network-wide roles belong to no consulate; every other role belongs to one.
ALTER TABLE "staff" ADD CONSTRAINT "staff_consulate_matches_role"
  CHECK ((role IN ('admin', 'auditor')) = (consulate_id IS NULL));

-- Emails are stored lower-cased by the application; the database insists.
ALTER TABLE "staff" ADD CONSTRAINT "staff_email_lower_case" CHECK (email = lower(email));

ALTER TABLE "consulates" ADD CONSTRAINT "consulates_code_format" CHECK (code ~ '^[A-Z0-9]{2,8}$');
ALTER TABLE "consulates" ADD CONSTRAINT "consulates_state_format" CHECK (state ~ '^[A-Z]{2}$');

-- The audit log is append-only in the database itself: a bug (or a person)
-- in the application cannot rewrite history. An error, not a silent rule.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
