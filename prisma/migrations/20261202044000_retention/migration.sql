-- Retention and anonymisation (issue 13 §3). Records past their retention
-- period, and a person's records on an erasure request, keep their references,
-- types, states, instants, consulates and turnarounds — everything statistics
-- count — and lose their personal fields and free text. `anonymised_at` marks
-- what was done, so nothing is processed twice.

ALTER TABLE "persons" ADD COLUMN "anonymised_at" TIMESTAMPTZ(3);
-- HMAC-SHA256 of the CURP under the service's anonymisation key (hex): the
-- CURP itself is gone, yet the same CURP still gives the same hash.
ALTER TABLE "persons" ADD COLUMN "curp_hash" CHAR(64);
ALTER TABLE "documentation_requests" ADD COLUMN "anonymised_at" TIMESTAMPTZ(3);
ALTER TABLE "protection_cases" ADD COLUMN "anonymised_at" TIMESTAMPTZ(3);
ALTER TABLE "appointments" ADD COLUMN "anonymised_at" TIMESTAMPTZ(3);

CREATE INDEX "persons_curp_hash_idx" ON "persons" ("curp_hash") WHERE curp_hash IS NOT NULL;
-- The daily job's candidates: final records not yet anonymised (partial, so
-- not declared in schema.prisma, like the INCLUDE indexes of earlier migrations;
-- the index holds only what is still to do).
CREATE INDEX "documentation_requests_retention_idx" ON "documentation_requests" ("updated_at")
  WHERE anonymised_at IS NULL AND state IN ('delivered', 'rejected', 'cancelled');
CREATE INDEX "protection_cases_retention_idx" ON "protection_cases" ("closed_at")
  WHERE anonymised_at IS NULL AND state = 'closed';
CREATE INDEX "appointments_retention_idx" ON "appointments" ("ends_at") WHERE anonymised_at IS NULL;
CREATE INDEX "persons_retention_idx" ON "persons" ("updated_at") WHERE anonymised_at IS NULL;
-- (the access-log migration creates it too; whichever runs first makes it)
CREATE INDEX IF NOT EXISTS "protection_cases_person_id_idx" ON "protection_cases" ("person_id");

-- Once a day across replicas: the replica whose INSERT claims the day's row runs the job.
CREATE TABLE "retention_runs" (
  "run_date" DATE NOT NULL,
  "started_at" TIMESTAMPTZ(3) NOT NULL,
  "finished_at" TIMESTAMPTZ(3),
  "attempts" INTEGER NOT NULL DEFAULT 1,
  "counts" JSONB,
  CONSTRAINT "retention_runs_pkey" PRIMARY KEY ("run_date")
);

-- Histories stay append-only, with one exception: an anonymising transaction
-- (`SET LOCAL ccm.anonymising = 'on'`) may blank a row's free text (`reason`,
-- `body`) and change nothing else. The audit log has no such exception: it
-- never holds personal values.
CREATE OR REPLACE FUNCTION refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('ccm.anonymising', true) = 'on'
     AND (to_jsonb(NEW) - ARRAY['reason', 'body']) = (to_jsonb(OLD) - ARRAY['reason', 'body'])
     AND coalesce(to_jsonb(NEW) ->> 'reason', '') = ''
     AND coalesce(to_jsonb(NEW) ->> 'body', '') = '' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- An anonymised person's address is gone, but the flag it gave is a figure
-- (lists filter by it): anonymisation keeps the flag, recomputation skips them.
CREATE OR REPLACE FUNCTION persons_set_outside_jurisdiction() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.anonymised_at IS NOT NULL THEN
    NEW.outside_jurisdiction := OLD.outside_jurisdiction;
    RETURN NEW;
  END IF;
  NEW.outside_jurisdiction :=
    person_outside_jurisdiction(NEW.consulate_id, NEW.address_postal_code, NEW.address_state);
  RETURN NEW;
END
$$;
