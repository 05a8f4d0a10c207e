-- CreateEnum
CREATE TYPE "documentation_count_event" AS ENUM ('submitted', 'issued', 'resolved', 'cancelled');

-- CreateEnum
CREATE TYPE "protection_count_event" AS ENUM ('opened', 'closed');

-- CreateEnum
CREATE TYPE "first_action_status" AS ENUM ('pending', 'on_time', 'late');

-- AlterTable
ALTER TABLE "documentation_requests" ADD COLUMN     "cancelled_date" DATE,
ADD COLUMN     "issued_date" DATE,
ADD COLUMN     "resolved_date" DATE,
ADD COLUMN     "submitted_date" DATE;

-- AlterTable
ALTER TABLE "protection_cases" ADD COLUMN     "closed_date" DATE,
ADD COLUMN     "opened_date" DATE;

-- CreateTable
CREATE TABLE "documentation_request_counts" (
    "id" BIGSERIAL NOT NULL,
    "consulate_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "event" "documentation_count_event" NOT NULL,
    "type" "documentation_type" NOT NULL,
    "rejected" BOOLEAN NOT NULL DEFAULT false,
    "within_deadline" BOOLEAN NOT NULL DEFAULT false,
    "n" INTEGER NOT NULL,

    CONSTRAINT "documentation_request_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "documentation_turnaround_counts" (
    "id" BIGSERIAL NOT NULL,
    "consulate_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "type" "documentation_type" NOT NULL,
    "days" INTEGER NOT NULL,
    "business_days" INTEGER NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "documentation_turnaround_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "protection_case_counts" (
    "id" BIGSERIAL NOT NULL,
    "consulate_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "event" "protection_count_event" NOT NULL,
    "category" "protection_category" NOT NULL,
    "priority" "protection_priority" NOT NULL,
    "first_action" "first_action_status" NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "protection_case_counts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "documentation_request_counts_consulate_id_day_event_type_re_idx" ON "documentation_request_counts"("consulate_id", "day", "event", "type", "rejected", "within_deadline");

-- CreateIndex
CREATE INDEX "documentation_turnaround_counts_consulate_id_month_type_day_idx" ON "documentation_turnaround_counts"("consulate_id", "month", "type", "days", "business_days");

-- CreateIndex
CREATE INDEX "protection_case_counts_consulate_id_day_event_category_prio_idx" ON "protection_case_counts"("consulate_id", "day", "event", "category", "priority", "first_action");

-- CreateIndex
CREATE INDEX "documentation_requests_submitted_date_idx" ON "documentation_requests"("submitted_date");



-- ===========================================================================
-- Hand-written part.
--
-- 1. Local dates. Each instant a statistic counts by gets the calendar date
--    it fell on at the consulate that held the record when it was written,
--    in that consulate's time zone, so one list filter over local dates means
--    the same days at every consulate (a network total opens as one list).
--    A BEFORE trigger sets them on insert and whenever the instant changes;
--    a value written directly is overwritten (they are always derived).
-- ===========================================================================

CREATE FUNCTION documentation_requests_local_dates() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  zone text;
BEGIN
  SELECT time_zone INTO zone FROM consulates WHERE id = NEW.consulate_id;
  IF TG_OP = 'INSERT' OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at OR NEW.submitted_date IS DISTINCT FROM OLD.submitted_date THEN
    NEW.submitted_date := (NEW.submitted_at AT TIME ZONE zone)::date;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.issued_date IS DISTINCT FROM OLD.issued_date THEN
    NEW.issued_date := (NEW.issued_at AT TIME ZONE zone)::date;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.resolved_at IS DISTINCT FROM OLD.resolved_at OR NEW.resolved_date IS DISTINCT FROM OLD.resolved_date THEN
    NEW.resolved_date := (NEW.resolved_at AT TIME ZONE zone)::date;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.cancelled_at IS DISTINCT FROM OLD.cancelled_at OR NEW.cancelled_date IS DISTINCT FROM OLD.cancelled_date THEN
    NEW.cancelled_date := (NEW.cancelled_at AT TIME ZONE zone)::date;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER documentation_requests_local_dates_insert
  BEFORE INSERT ON documentation_requests
  FOR EACH ROW EXECUTE FUNCTION documentation_requests_local_dates();
CREATE TRIGGER documentation_requests_local_dates_update
  BEFORE UPDATE ON documentation_requests
  FOR EACH ROW
  WHEN (OLD.submitted_at IS DISTINCT FROM NEW.submitted_at OR OLD.submitted_date IS DISTINCT FROM NEW.submitted_date
     OR OLD.issued_at IS DISTINCT FROM NEW.issued_at OR OLD.issued_date IS DISTINCT FROM NEW.issued_date
     OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.resolved_date IS DISTINCT FROM NEW.resolved_date
     OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at OR OLD.cancelled_date IS DISTINCT FROM NEW.cancelled_date)
  EXECUTE FUNCTION documentation_requests_local_dates();

CREATE FUNCTION protection_cases_local_dates() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  zone text;
BEGIN
  SELECT time_zone INTO zone FROM consulates WHERE id = NEW.consulate_id;
  IF TG_OP = 'INSERT' OR NEW.opened_at IS DISTINCT FROM OLD.opened_at OR NEW.opened_date IS DISTINCT FROM OLD.opened_date THEN
    NEW.opened_date := (NEW.opened_at AT TIME ZONE zone)::date;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.closed_at IS DISTINCT FROM OLD.closed_at OR NEW.closed_date IS DISTINCT FROM OLD.closed_date THEN
    NEW.closed_date := (NEW.closed_at AT TIME ZONE zone)::date;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER protection_cases_local_dates_insert
  BEFORE INSERT ON protection_cases
  FOR EACH ROW EXECUTE FUNCTION protection_cases_local_dates();
CREATE TRIGGER protection_cases_local_dates_update
  BEFORE UPDATE ON protection_cases
  FOR EACH ROW
  WHEN (OLD.opened_at IS DISTINCT FROM NEW.opened_at OR OLD.opened_date IS DISTINCT FROM NEW.opened_date
     OR OLD.closed_at IS DISTINCT FROM NEW.closed_at OR OLD.closed_date IS DISTINCT FROM NEW.closed_date)
  EXECUTE FUNCTION protection_cases_local_dates();

-- Existing rows: the same dates, in each consulate's present zone.
UPDATE documentation_requests r SET
  submitted_date = (r.submitted_at AT TIME ZONE c.time_zone)::date,
  issued_date = (r.issued_at AT TIME ZONE c.time_zone)::date,
  resolved_date = (r.resolved_at AT TIME ZONE c.time_zone)::date,
  cancelled_date = (r.cancelled_at AT TIME ZONE c.time_zone)::date
FROM consulates c WHERE c.id = r.consulate_id;
UPDATE protection_cases p SET
  opened_date = (p.opened_at AT TIME ZONE c.time_zone)::date,
  closed_date = (p.closed_at AT TIME ZONE c.time_zone)::date
FROM consulates c WHERE c.id = p.consulate_id;

-- The turnaround population per consulate and issuance day (the edges of a
-- period that are not whole months are read from here).
CREATE INDEX "documentation_requests_issued_date" ON "documentation_requests" (consulate_id, issued_date)
  INCLUDE (type, turnaround_days, turnaround_business_days) WHERE issued_date IS NOT NULL;

-- ===========================================================================
-- 2. Rollups. Each rollup counts the rows of its source table by a key
--    computed from the row's current values; the keys mirror the list
--    filters that the figures drill down to:
--      documentation requests
--        submitted   consulateId, submittedDate, type
--        issued      consulateId, issuedDate, type
--        resolved    consulateId, resolvedDate, type, rejected (state = rejected),
--                    within (resolvedWithinDeadline: resolved_at <= due_at)
--        cancelled   consulateId, cancelledDate, type, state = cancelled
--        turnaround  consulateId, month of issuedDate, type, days, business days
--      protection cases
--        opened      consulateId, openedDate, category, priority, first action
--        closed      consulateId, closedDate, category, priority, first action
--    The `*_source` views below compute every rollup from its source table
--    (the rebuild, and the tests that check the triggers against it).
--
--    Triggers keep the rollups in the transaction of every change, so a
--    figure is exact at once, on the primary and on any replica: one AFTER
--    trigger per key family, fired only when that family's key changes (the
--    WHEN clause), takes one off the key the row had and adds one to the key
--    it has. Writers never wait for each other: a delta goes to any row of the
--    key that no other transaction holds (SKIP LOCKED), or to a new row, so a
--    key spreads over at most as many rows as transactions that touched it at
--    the same moment, and its figure is the sum of `n`.
-- ===========================================================================

CREATE VIEW documentation_request_counts_source AS
  SELECT consulate_id, submitted_date AS day, 'submitted'::documentation_count_event AS event, type,
         false AS rejected, false AS within_deadline, count(*)::integer AS n
  FROM documentation_requests WHERE submitted_date IS NOT NULL GROUP BY 1, 2, 4
  UNION ALL
  SELECT consulate_id, issued_date, 'issued', type, false, false, count(*)::integer
  FROM documentation_requests WHERE issued_date IS NOT NULL GROUP BY 1, 2, 4
  UNION ALL
  SELECT consulate_id, resolved_date, 'resolved', type, state = 'rejected', coalesce(resolved_at <= due_at, false),
         count(*)::integer
  FROM documentation_requests WHERE resolved_date IS NOT NULL GROUP BY 1, 2, 4, 5, 6
  UNION ALL
  SELECT consulate_id, cancelled_date, 'cancelled', type, false, false, count(*)::integer
  FROM documentation_requests WHERE cancelled_date IS NOT NULL AND state = 'cancelled' GROUP BY 1, 2, 4;

CREATE VIEW documentation_turnaround_counts_source AS
  SELECT consulate_id, date_trunc('month', issued_date)::date AS month, type,
         coalesce(turnaround_days, -1) AS days, coalesce(turnaround_business_days, -1) AS business_days,
         count(*)::integer AS n
  FROM documentation_requests WHERE issued_date IS NOT NULL GROUP BY 1, 2, 3, 4, 5;

CREATE VIEW protection_case_counts_source AS
  WITH c AS (
    SELECT consulate_id, opened_date, closed_date, category, priority,
           CASE WHEN first_action_at IS NULL THEN 'pending'
                WHEN first_action_at <= first_action_due_at THEN 'on_time'
                ELSE 'late' END::first_action_status AS first_action
    FROM protection_cases
  )
  SELECT consulate_id, opened_date AS day, 'opened'::protection_count_event AS event, category, priority, first_action,
         count(*)::integer AS n
  FROM c WHERE opened_date IS NOT NULL GROUP BY 1, 2, 4, 5, 6
  UNION ALL
  SELECT consulate_id, closed_date, 'closed', category, priority, first_action, count(*)::integer
  FROM c WHERE closed_date IS NOT NULL GROUP BY 1, 2, 4, 5, 6;

-- The trigger functions spell each key out (rather than calling a shared
-- helper): a PL/pgSQL call per delta costs as much as the delta itself, and
-- these run inside every create and transition.

CREATE FUNCTION count_documentation_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.submitted_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.submitted_date AND event = 'submitted'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (OLD.consulate_id, OLD.submitted_date, 'submitted', OLD.type, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.submitted_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.submitted_date AND event = 'submitted'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (NEW.consulate_id, NEW.submitted_date, 'submitted', NEW.type, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- Issued: the daily count and the monthly turnaround histogram.
CREATE FUNCTION count_documentation_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.issued_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.issued_date AND event = 'issued'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (OLD.consulate_id, OLD.issued_date, 'issued', OLD.type, -1);
    END IF;
    UPDATE documentation_turnaround_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_turnaround_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.issued_date)::date
                  AND type = OLD.type AND days = coalesce(OLD.turnaround_days, -1)
                  AND business_days = coalesce(OLD.turnaround_business_days, -1)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_turnaround_counts (consulate_id, month, type, days, business_days, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.issued_date)::date, OLD.type,
              coalesce(OLD.turnaround_days, -1), coalesce(OLD.turnaround_business_days, -1), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.issued_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.issued_date AND event = 'issued'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (NEW.consulate_id, NEW.issued_date, 'issued', NEW.type, 1);
    END IF;
    UPDATE documentation_turnaround_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_turnaround_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.issued_date)::date
                  AND type = NEW.type AND days = coalesce(NEW.turnaround_days, -1)
                  AND business_days = coalesce(NEW.turnaround_business_days, -1)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_turnaround_counts (consulate_id, month, type, days, business_days, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.issued_date)::date, NEW.type,
              coalesce(NEW.turnaround_days, -1), coalesce(NEW.turnaround_business_days, -1), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_documentation_resolved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.resolved_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.resolved_date AND event = 'resolved'
                  AND type = OLD.type AND rejected = (OLD.state = 'rejected')
                  AND within_deadline = coalesce(OLD.resolved_at <= OLD.due_at, false)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, rejected, within_deadline, n)
      VALUES (OLD.consulate_id, OLD.resolved_date, 'resolved', OLD.type, OLD.state = 'rejected',
              coalesce(OLD.resolved_at <= OLD.due_at, false), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.resolved_date IS NOT NULL THEN
    UPDATE documentation_request_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.resolved_date AND event = 'resolved'
                  AND type = NEW.type AND rejected = (NEW.state = 'rejected')
                  AND within_deadline = coalesce(NEW.resolved_at <= NEW.due_at, false)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, rejected, within_deadline, n)
      VALUES (NEW.consulate_id, NEW.resolved_date, 'resolved', NEW.type, NEW.state = 'rejected',
              coalesce(NEW.resolved_at <= NEW.due_at, false), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_documentation_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.cancelled_date IS NOT NULL AND OLD.state = 'cancelled' THEN
    UPDATE documentation_request_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.cancelled_date AND event = 'cancelled'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (OLD.consulate_id, OLD.cancelled_date, 'cancelled', OLD.type, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.cancelled_date IS NOT NULL AND NEW.state = 'cancelled' THEN
    UPDATE documentation_request_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_request_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.cancelled_date AND event = 'cancelled'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_request_counts (consulate_id, day, event, type, n)
      VALUES (NEW.consulate_id, NEW.cancelled_date, 'cancelled', NEW.type, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- Each family: on insert when the row has the key, on delete when it had it,
-- on update when the key changed.
CREATE TRIGGER documentation_requests_count_submitted_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.submitted_date IS NOT NULL) EXECUTE FUNCTION count_documentation_submitted();
CREATE TRIGGER documentation_requests_count_submitted_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.submitted_date IS NOT NULL) EXECUTE FUNCTION count_documentation_submitted();
CREATE TRIGGER documentation_requests_count_submitted_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.submitted_date, OLD.type) IS DISTINCT FROM (NEW.consulate_id, NEW.submitted_date, NEW.type))
  EXECUTE FUNCTION count_documentation_submitted();

CREATE TRIGGER documentation_requests_count_issued_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.issued_date IS NOT NULL) EXECUTE FUNCTION count_documentation_issued();
CREATE TRIGGER documentation_requests_count_issued_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.issued_date IS NOT NULL) EXECUTE FUNCTION count_documentation_issued();
CREATE TRIGGER documentation_requests_count_issued_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.issued_date, OLD.type, OLD.turnaround_days, OLD.turnaround_business_days)
    IS DISTINCT FROM (NEW.consulate_id, NEW.issued_date, NEW.type, NEW.turnaround_days, NEW.turnaround_business_days))
  EXECUTE FUNCTION count_documentation_issued();

CREATE TRIGGER documentation_requests_count_resolved_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.resolved_date IS NOT NULL) EXECUTE FUNCTION count_documentation_resolved();
CREATE TRIGGER documentation_requests_count_resolved_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.resolved_date IS NOT NULL) EXECUTE FUNCTION count_documentation_resolved();
CREATE TRIGGER documentation_requests_count_resolved_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.resolved_date, OLD.type, OLD.state = 'rejected',
                      coalesce(OLD.resolved_at <= OLD.due_at, false))
    IS DISTINCT FROM (NEW.consulate_id, NEW.resolved_date, NEW.type, NEW.state = 'rejected',
                      coalesce(NEW.resolved_at <= NEW.due_at, false)))
  EXECUTE FUNCTION count_documentation_resolved();

CREATE TRIGGER documentation_requests_count_cancelled_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.cancelled_date IS NOT NULL AND NEW.state = 'cancelled') EXECUTE FUNCTION count_documentation_cancelled();
CREATE TRIGGER documentation_requests_count_cancelled_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.cancelled_date IS NOT NULL AND OLD.state = 'cancelled') EXECUTE FUNCTION count_documentation_cancelled();
CREATE TRIGGER documentation_requests_count_cancelled_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.cancelled_date, OLD.type, OLD.state = 'cancelled')
    IS DISTINCT FROM (NEW.consulate_id, NEW.cancelled_date, NEW.type, NEW.state = 'cancelled'))
  EXECUTE FUNCTION count_documentation_cancelled();

-- Protection cases: opened and closed, each with the first-action status.
CREATE FUNCTION first_action_status(first_action_at timestamptz, due_at timestamptz) RETURNS first_action_status
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN first_action_at IS NULL THEN 'pending'
              WHEN first_action_at <= due_at THEN 'on_time'
              ELSE 'late' END::first_action_status
$$;

CREATE FUNCTION count_protection_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.opened_date IS NOT NULL THEN
    UPDATE protection_case_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_case_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.opened_date AND event = 'opened'
                  AND category = OLD.category AND priority = OLD.priority
                  AND first_action = first_action_status(OLD.first_action_at, OLD.first_action_due_at)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_case_counts (consulate_id, day, event, category, priority, first_action, n)
      VALUES (OLD.consulate_id, OLD.opened_date, 'opened', OLD.category, OLD.priority,
              first_action_status(OLD.first_action_at, OLD.first_action_due_at), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.opened_date IS NOT NULL THEN
    UPDATE protection_case_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_case_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.opened_date AND event = 'opened'
                  AND category = NEW.category AND priority = NEW.priority
                  AND first_action = first_action_status(NEW.first_action_at, NEW.first_action_due_at)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_case_counts (consulate_id, day, event, category, priority, first_action, n)
      VALUES (NEW.consulate_id, NEW.opened_date, 'opened', NEW.category, NEW.priority,
              first_action_status(NEW.first_action_at, NEW.first_action_due_at), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_protection_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.closed_date IS NOT NULL THEN
    UPDATE protection_case_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_case_counts
                WHERE consulate_id = OLD.consulate_id AND day = OLD.closed_date AND event = 'closed'
                  AND category = OLD.category AND priority = OLD.priority
                  AND first_action = first_action_status(OLD.first_action_at, OLD.first_action_due_at)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_case_counts (consulate_id, day, event, category, priority, first_action, n)
      VALUES (OLD.consulate_id, OLD.closed_date, 'closed', OLD.category, OLD.priority,
              first_action_status(OLD.first_action_at, OLD.first_action_due_at), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.closed_date IS NOT NULL THEN
    UPDATE protection_case_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_case_counts
                WHERE consulate_id = NEW.consulate_id AND day = NEW.closed_date AND event = 'closed'
                  AND category = NEW.category AND priority = NEW.priority
                  AND first_action = first_action_status(NEW.first_action_at, NEW.first_action_due_at)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_case_counts (consulate_id, day, event, category, priority, first_action, n)
      VALUES (NEW.consulate_id, NEW.closed_date, 'closed', NEW.category, NEW.priority,
              first_action_status(NEW.first_action_at, NEW.first_action_due_at), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER protection_cases_count_opened_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened();
CREATE TRIGGER protection_cases_count_opened_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened();
CREATE TRIGGER protection_cases_count_opened_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.opened_date, OLD.category, OLD.priority,
                      first_action_status(OLD.first_action_at, OLD.first_action_due_at))
    IS DISTINCT FROM (NEW.consulate_id, NEW.opened_date, NEW.category, NEW.priority,
                      first_action_status(NEW.first_action_at, NEW.first_action_due_at)))
  EXECUTE FUNCTION count_protection_opened();

CREATE TRIGGER protection_cases_count_closed_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed();
CREATE TRIGGER protection_cases_count_closed_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed();
CREATE TRIGGER protection_cases_count_closed_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, OLD.closed_date, OLD.category, OLD.priority,
                      first_action_status(OLD.first_action_at, OLD.first_action_due_at))
    IS DISTINCT FROM (NEW.consulate_id, NEW.closed_date, NEW.category, NEW.priority,
                      first_action_status(NEW.first_action_at, NEW.first_action_due_at)))
  EXECUTE FUNCTION count_protection_closed();

-- A truncated source leaves nothing to count.
CREATE FUNCTION clear_statistics_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'documentation_requests' THEN
    DELETE FROM documentation_request_counts;
    DELETE FROM documentation_turnaround_counts;
  ELSE
    DELETE FROM protection_case_counts;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER documentation_requests_count_truncate AFTER TRUNCATE ON documentation_requests
  FOR EACH STATEMENT EXECUTE FUNCTION clear_statistics_rollups();
CREATE TRIGGER protection_cases_count_truncate AFTER TRUNCATE ON protection_cases
  FOR EACH STATEMENT EXECUTE FUNCTION clear_statistics_rollups();

-- Rebuilds every rollup from its source (the backfill below, bulk loads made
-- with triggers off, or an operator in doubt). Writers of the sources wait;
-- readers do not, and see the old rollups until it commits.
CREATE FUNCTION rebuild_statistics_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE documentation_requests, protection_cases IN SHARE MODE;
  DELETE FROM documentation_request_counts;
  INSERT INTO documentation_request_counts (consulate_id, day, event, type, rejected, within_deadline, n)
    SELECT consulate_id, day, event, type, rejected, within_deadline, n FROM documentation_request_counts_source;
  DELETE FROM documentation_turnaround_counts;
  INSERT INTO documentation_turnaround_counts (consulate_id, month, type, days, business_days, n)
    SELECT consulate_id, month, type, days, business_days, n FROM documentation_turnaround_counts_source;
  DELETE FROM protection_case_counts;
  INSERT INTO protection_case_counts (consulate_id, day, event, category, priority, first_action, n)
    SELECT consulate_id, day, event, category, priority, first_action, n FROM protection_case_counts_source;
END $$;

SELECT rebuild_statistics_rollups();
