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
CREATE TABLE "documentation_monthly_counts" (
    "id" BIGSERIAL NOT NULL,
    "consulate_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "event" "documentation_count_event" NOT NULL,
    "type" "documentation_type" NOT NULL,
    "rejected" BOOLEAN NOT NULL DEFAULT false,
    "within_deadline" BOOLEAN NOT NULL DEFAULT false,
    "n" INTEGER NOT NULL,

    CONSTRAINT "documentation_monthly_counts_pkey" PRIMARY KEY ("id")
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
CREATE TABLE "protection_monthly_counts" (
    "id" BIGSERIAL NOT NULL,
    "consulate_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "event" "protection_count_event" NOT NULL,
    "category" "protection_category",
    "priority" "protection_priority",
    "first_action" "first_action_status",
    "n" INTEGER NOT NULL,

    CONSTRAINT "protection_monthly_counts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "documentation_monthly_counts_consulate_id_month_event_type__idx" ON "documentation_monthly_counts"("consulate_id", "month", "event", "type", "rejected", "within_deadline");

-- CreateIndex
CREATE INDEX "documentation_turnaround_counts_consulate_id_month_type_day_idx" ON "documentation_turnaround_counts"("consulate_id", "month", "type", "days", "business_days");

-- CreateIndex
CREATE INDEX "protection_monthly_counts_consulate_id_month_event_category_idx" ON "protection_monthly_counts"("consulate_id", "month", "event", "category", "priority", "first_action");



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

-- Existing rows first (before the triggers and indexes below exist): the same
-- dates, in each consulate's present zone.
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

-- Indexes on the local dates, for the days of a period outside whole months
-- (and the lists' date filters), each with what the counts read, so the
-- counts read the index alone.
-- (The schema's @@index([submittedDate]), with INCLUDE.)
CREATE INDEX "documentation_requests_submitted_date_idx" ON "documentation_requests" (submitted_date)
  INCLUDE (consulate_id, type);
CREATE INDEX "documentation_requests_issued_date" ON "documentation_requests" (consulate_id, issued_date)
  INCLUDE (type, turnaround_days, turnaround_business_days) WHERE issued_date IS NOT NULL;
CREATE INDEX "documentation_requests_resolved_date" ON "documentation_requests" (consulate_id, resolved_date)
  INCLUDE (type, state, resolved_at, due_at) WHERE resolved_date IS NOT NULL;
CREATE INDEX "documentation_requests_cancelled_date" ON "documentation_requests" (consulate_id, cancelled_date)
  INCLUDE (type, state) WHERE cancelled_date IS NOT NULL;
CREATE INDEX "protection_cases_opened_date" ON "protection_cases" (consulate_id, opened_date)
  INCLUDE (category, priority, first_action_at, first_action_due_at);
CREATE INDEX "protection_cases_closed_date" ON "protection_cases" (consulate_id, closed_date)
  INCLUDE (category, priority, first_action_at, first_action_due_at) WHERE closed_date IS NOT NULL;

-- ===========================================================================
-- 2. What the statistics count, per consulate and local day, defined once as
--    views over the source tables; the keys mirror the list filters that the
--    figures drill down to:
--      documentation requests
--        submitted   consulateId, submittedDate, type
--        issued      consulateId, issuedDate, type
--        resolved    consulateId, resolvedDate, type, rejected (state = rejected),
--                    within (resolvedWithinDeadline: resolved_at <= due_at)
--        cancelled   consulateId, cancelledDate, type, state = cancelled
--        turnaround  consulateId, issuedDate, type, days, business days
--      protection cases
--        opened      consulateId, openedDate, and category, priority or first action
--        closed      consulateId, closedDate, and category or priority
--    A period's days outside whole months are read from these views (through
--    the indexes above); its whole months from the monthly rollups below.
-- ===========================================================================

CREATE FUNCTION first_action_status(first_action_at timestamptz, due_at timestamptz) RETURNS first_action_status
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN first_action_at IS NULL THEN 'pending'
              WHEN first_action_at <= due_at THEN 'on_time'
              ELSE 'late' END::first_action_status
$$;

CREATE VIEW documentation_counts_by_day AS
  SELECT consulate_id, submitted_date AS day, 'submitted'::documentation_count_event AS event, type,
         false AS rejected, false AS within_deadline, count(*)::integer AS n
  FROM documentation_requests WHERE submitted_date IS NOT NULL GROUP BY consulate_id, submitted_date, type
  UNION ALL
  SELECT consulate_id, issued_date, 'issued', type, false, false, count(*)::integer
  FROM documentation_requests WHERE issued_date IS NOT NULL GROUP BY consulate_id, issued_date, type
  UNION ALL
  SELECT consulate_id, resolved_date, 'resolved', type, state = 'rejected', coalesce(resolved_at <= due_at, false),
         count(*)::integer
  FROM documentation_requests WHERE resolved_date IS NOT NULL
  GROUP BY consulate_id, resolved_date, type, state = 'rejected', coalesce(resolved_at <= due_at, false)
  UNION ALL
  SELECT consulate_id, cancelled_date, 'cancelled', type, false, false, count(*)::integer
  FROM documentation_requests WHERE cancelled_date IS NOT NULL AND state = 'cancelled'
  GROUP BY consulate_id, cancelled_date, type;

CREATE VIEW documentation_turnaround_by_day AS
  SELECT consulate_id, issued_date AS day, type, coalesce(turnaround_days, -1) AS days,
         coalesce(turnaround_business_days, -1) AS business_days, count(*)::integer AS n
  FROM documentation_requests WHERE issued_date IS NOT NULL
  GROUP BY consulate_id, issued_date, type, coalesce(turnaround_days, -1), coalesce(turnaround_business_days, -1);

-- Cases by one of category, priority or first action at a time (the others
-- null): the figures never need them together, and apart they stay a few
-- dozen keys per consulate and month.
CREATE VIEW protection_counts_by_day AS
  SELECT consulate_id, opened_date AS day, 'opened'::protection_count_event AS event, category,
         NULL::protection_priority AS priority, NULL::first_action_status AS first_action, count(*)::integer AS n
  FROM protection_cases WHERE opened_date IS NOT NULL GROUP BY consulate_id, opened_date, category
  UNION ALL
  SELECT consulate_id, opened_date, 'opened', NULL, priority, NULL, count(*)::integer
  FROM protection_cases WHERE opened_date IS NOT NULL GROUP BY consulate_id, opened_date, priority
  UNION ALL
  SELECT consulate_id, opened_date, 'opened', NULL, NULL, first_action_status(first_action_at, first_action_due_at),
         count(*)::integer
  FROM protection_cases WHERE opened_date IS NOT NULL
  GROUP BY consulate_id, opened_date, first_action_status(first_action_at, first_action_due_at)
  UNION ALL
  SELECT consulate_id, closed_date, 'closed', category, NULL, NULL, count(*)::integer
  FROM protection_cases WHERE closed_date IS NOT NULL GROUP BY consulate_id, closed_date, category
  UNION ALL
  SELECT consulate_id, closed_date, 'closed', NULL, priority, NULL, count(*)::integer
  FROM protection_cases WHERE closed_date IS NOT NULL GROUP BY consulate_id, closed_date, priority;

-- ===========================================================================
-- 3. Monthly rollups of the same counts, kept by triggers in the transaction
--    of every change, so a figure is exact at once, on the primary and on any
--    replica, whatever wrote the change: one AFTER trigger per key family,
--    fired only when that family's key changes (the WHEN clause), takes one
--    off the key the row had and adds one to the key it has. Writers never
--    wait for each other: a delta goes to any row of its key that no other
--    transaction holds (SKIP LOCKED), or to a new row, so a key spreads over
--    at most as many rows as transactions that touched it at the same
--    moment, and its count is the sum of `n`. The trigger functions spell
--    each key out rather than calling a shared helper: a PL/pgSQL call per
--    delta costs about as much as the delta itself, and these run inside
--    every create and transition.
-- ===========================================================================

CREATE FUNCTION count_documentation_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.submitted_date IS NOT NULL THEN
    UPDATE documentation_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.submitted_date)::date AND event = 'submitted'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.submitted_date)::date, 'submitted', OLD.type, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.submitted_date IS NOT NULL THEN
    UPDATE documentation_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.submitted_date)::date AND event = 'submitted'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.submitted_date)::date, 'submitted', NEW.type, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- Issued: the count and the turnaround histogram.
CREATE FUNCTION count_documentation_issued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.issued_date IS NOT NULL THEN
    UPDATE documentation_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.issued_date)::date AND event = 'issued'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.issued_date)::date, 'issued', OLD.type, -1);
    END IF;
    UPDATE documentation_turnaround_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_turnaround_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.issued_date)::date AND type = OLD.type
                  AND days = coalesce(OLD.turnaround_days, -1) AND business_days = coalesce(OLD.turnaround_business_days, -1)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_turnaround_counts (consulate_id, month, type, days, business_days, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.issued_date)::date, OLD.type,
              coalesce(OLD.turnaround_days, -1), coalesce(OLD.turnaround_business_days, -1), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.issued_date IS NOT NULL THEN
    UPDATE documentation_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.issued_date)::date AND event = 'issued'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.issued_date)::date, 'issued', NEW.type, 1);
    END IF;
    UPDATE documentation_turnaround_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_turnaround_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.issued_date)::date AND type = NEW.type
                  AND days = coalesce(NEW.turnaround_days, -1) AND business_days = coalesce(NEW.turnaround_business_days, -1)
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
    UPDATE documentation_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.resolved_date)::date AND event = 'resolved'
                  AND type = OLD.type AND rejected = (OLD.state = 'rejected') AND within_deadline = coalesce(OLD.resolved_at <= OLD.due_at, false)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, rejected, within_deadline, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.resolved_date)::date, 'resolved', OLD.type, OLD.state = 'rejected',
            coalesce(OLD.resolved_at <= OLD.due_at, false), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.resolved_date IS NOT NULL THEN
    UPDATE documentation_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.resolved_date)::date AND event = 'resolved'
                  AND type = NEW.type AND rejected = (NEW.state = 'rejected') AND within_deadline = coalesce(NEW.resolved_at <= NEW.due_at, false)
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, rejected, within_deadline, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.resolved_date)::date, 'resolved', NEW.type, NEW.state = 'rejected',
            coalesce(NEW.resolved_at <= NEW.due_at, false), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_documentation_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.cancelled_date IS NOT NULL AND OLD.state = 'cancelled' THEN
    UPDATE documentation_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.cancelled_date)::date AND event = 'cancelled'
                  AND type = OLD.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.cancelled_date)::date, 'cancelled', OLD.type, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.cancelled_date IS NOT NULL AND NEW.state = 'cancelled' THEN
    UPDATE documentation_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM documentation_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.cancelled_date)::date AND event = 'cancelled'
                  AND type = NEW.type AND NOT rejected AND NOT within_deadline
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.cancelled_date)::date, 'cancelled', NEW.type, 1);
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
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.submitted_date), OLD.type)
    IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.submitted_date), NEW.type))
  EXECUTE FUNCTION count_documentation_submitted();

CREATE TRIGGER documentation_requests_count_issued_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.issued_date IS NOT NULL) EXECUTE FUNCTION count_documentation_issued();
CREATE TRIGGER documentation_requests_count_issued_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.issued_date IS NOT NULL) EXECUTE FUNCTION count_documentation_issued();
CREATE TRIGGER documentation_requests_count_issued_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.issued_date), OLD.type, OLD.turnaround_days, OLD.turnaround_business_days)
    IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.issued_date), NEW.type, NEW.turnaround_days, NEW.turnaround_business_days))
  EXECUTE FUNCTION count_documentation_issued();

CREATE TRIGGER documentation_requests_count_resolved_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.resolved_date IS NOT NULL) EXECUTE FUNCTION count_documentation_resolved();
CREATE TRIGGER documentation_requests_count_resolved_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.resolved_date IS NOT NULL) EXECUTE FUNCTION count_documentation_resolved();
CREATE TRIGGER documentation_requests_count_resolved_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.resolved_date), OLD.type, OLD.state = 'rejected',
                      coalesce(OLD.resolved_at <= OLD.due_at, false))
    IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.resolved_date), NEW.type, NEW.state = 'rejected',
                      coalesce(NEW.resolved_at <= NEW.due_at, false)))
  EXECUTE FUNCTION count_documentation_resolved();

CREATE TRIGGER documentation_requests_count_cancelled_insert AFTER INSERT ON documentation_requests
  FOR EACH ROW WHEN (NEW.cancelled_date IS NOT NULL AND NEW.state = 'cancelled') EXECUTE FUNCTION count_documentation_cancelled();
CREATE TRIGGER documentation_requests_count_cancelled_delete AFTER DELETE ON documentation_requests
  FOR EACH ROW WHEN (OLD.cancelled_date IS NOT NULL AND OLD.state = 'cancelled') EXECUTE FUNCTION count_documentation_cancelled();
CREATE TRIGGER documentation_requests_count_cancelled_update AFTER UPDATE ON documentation_requests
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.cancelled_date), OLD.type, OLD.state = 'cancelled')
    IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.cancelled_date), NEW.type, NEW.state = 'cancelled'))
  EXECUTE FUNCTION count_documentation_cancelled();

-- Protection cases: opened by category, by priority and by first action;
-- closed by category and by priority — one row each (the other two null).
ALTER TABLE protection_monthly_counts ADD CONSTRAINT protection_monthly_counts_one_dimension
  CHECK (num_nonnulls(category, priority, first_action) = 1);

CREATE FUNCTION count_protection_opened_category() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.opened_date)::date AND event = 'opened'
                  AND category = OLD.category AND priority IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, category, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.opened_date)::date, 'opened', OLD.category, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.opened_date)::date AND event = 'opened'
                  AND category = NEW.category AND priority IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, category, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.opened_date)::date, 'opened', NEW.category, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_protection_opened_priority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.opened_date)::date AND event = 'opened'
                  AND priority = OLD.priority AND category IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, priority, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.opened_date)::date, 'opened', OLD.priority, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.opened_date)::date AND event = 'opened'
                  AND priority = NEW.priority AND category IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, priority, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.opened_date)::date, 'opened', NEW.priority, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_protection_opened_first_action() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.opened_date)::date AND event = 'opened'
                  AND first_action = first_action_status(OLD.first_action_at, OLD.first_action_due_at) AND category IS NULL AND priority IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, first_action, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.opened_date)::date, 'opened', first_action_status(OLD.first_action_at, OLD.first_action_due_at), -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.opened_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.opened_date)::date AND event = 'opened'
                  AND first_action = first_action_status(NEW.first_action_at, NEW.first_action_due_at) AND category IS NULL AND priority IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, first_action, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.opened_date)::date, 'opened', first_action_status(NEW.first_action_at, NEW.first_action_due_at), 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_protection_closed_category() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.closed_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.closed_date)::date AND event = 'closed'
                  AND category = OLD.category AND priority IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, category, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.closed_date)::date, 'closed', OLD.category, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.closed_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.closed_date)::date AND event = 'closed'
                  AND category = NEW.category AND priority IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, category, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.closed_date)::date, 'closed', NEW.category, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION count_protection_closed_priority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.closed_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n - 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = OLD.consulate_id AND month = date_trunc('month', OLD.closed_date)::date AND event = 'closed'
                  AND priority = OLD.priority AND category IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, priority, n)
      VALUES (OLD.consulate_id, date_trunc('month', OLD.closed_date)::date, 'closed', OLD.priority, -1);
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.closed_date IS NOT NULL THEN
    UPDATE protection_monthly_counts SET n = n + 1
    WHERE id = (SELECT id FROM protection_monthly_counts
                WHERE consulate_id = NEW.consulate_id AND month = date_trunc('month', NEW.closed_date)::date AND event = 'closed'
                  AND priority = NEW.priority AND category IS NULL AND first_action IS NULL
                LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
      INSERT INTO protection_monthly_counts (consulate_id, month, event, priority, n)
      VALUES (NEW.consulate_id, date_trunc('month', NEW.closed_date)::date, 'closed', NEW.priority, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER protection_cases_count_opened_category_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_category();
CREATE TRIGGER protection_cases_count_opened_category_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_category();
CREATE TRIGGER protection_cases_count_opened_category_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.opened_date), OLD.category) IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.opened_date), NEW.category))
  EXECUTE FUNCTION count_protection_opened_category();

CREATE TRIGGER protection_cases_count_opened_priority_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_priority();
CREATE TRIGGER protection_cases_count_opened_priority_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_priority();
CREATE TRIGGER protection_cases_count_opened_priority_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.opened_date), OLD.priority) IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.opened_date), NEW.priority))
  EXECUTE FUNCTION count_protection_opened_priority();

CREATE TRIGGER protection_cases_count_opened_first_action_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_first_action();
CREATE TRIGGER protection_cases_count_opened_first_action_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.opened_date IS NOT NULL) EXECUTE FUNCTION count_protection_opened_first_action();
CREATE TRIGGER protection_cases_count_opened_first_action_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.opened_date), first_action_status(OLD.first_action_at, OLD.first_action_due_at)) IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.opened_date), first_action_status(NEW.first_action_at, NEW.first_action_due_at)))
  EXECUTE FUNCTION count_protection_opened_first_action();

CREATE TRIGGER protection_cases_count_closed_category_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed_category();
CREATE TRIGGER protection_cases_count_closed_category_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed_category();
CREATE TRIGGER protection_cases_count_closed_category_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.closed_date), OLD.category) IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.closed_date), NEW.category))
  EXECUTE FUNCTION count_protection_closed_category();

CREATE TRIGGER protection_cases_count_closed_priority_insert AFTER INSERT ON protection_cases
  FOR EACH ROW WHEN (NEW.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed_priority();
CREATE TRIGGER protection_cases_count_closed_priority_delete AFTER DELETE ON protection_cases
  FOR EACH ROW WHEN (OLD.closed_date IS NOT NULL) EXECUTE FUNCTION count_protection_closed_priority();
CREATE TRIGGER protection_cases_count_closed_priority_update AFTER UPDATE ON protection_cases
  FOR EACH ROW WHEN ((OLD.consulate_id, date_trunc('month', OLD.closed_date), OLD.priority) IS DISTINCT FROM (NEW.consulate_id, date_trunc('month', NEW.closed_date), NEW.priority))
  EXECUTE FUNCTION count_protection_closed_priority();

-- A truncated source leaves nothing to count.
CREATE FUNCTION clear_statistics_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'documentation_requests' THEN
    DELETE FROM documentation_monthly_counts;
    DELETE FROM documentation_turnaround_counts;
  ELSE
    DELETE FROM protection_monthly_counts;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER documentation_requests_count_truncate AFTER TRUNCATE ON documentation_requests
  FOR EACH STATEMENT EXECUTE FUNCTION clear_statistics_rollups();
CREATE TRIGGER protection_cases_count_truncate AFTER TRUNCATE ON protection_cases
  FOR EACH STATEMENT EXECUTE FUNCTION clear_statistics_rollups();

-- Rebuilds every rollup from the views (the backfill below, bulk loads made
-- with the triggers off, or an operator in doubt). Writers of the sources
-- wait; readers do not, and see the old rollups until it commits.
CREATE FUNCTION rebuild_statistics_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE documentation_requests, protection_cases IN SHARE MODE;
  DELETE FROM documentation_monthly_counts;
  INSERT INTO documentation_monthly_counts (consulate_id, month, event, type, rejected, within_deadline, n)
    SELECT consulate_id, date_trunc('month', day)::date, event, type, rejected, within_deadline, sum(n)
    FROM documentation_counts_by_day GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 1;
  DELETE FROM documentation_turnaround_counts;
  INSERT INTO documentation_turnaround_counts (consulate_id, month, type, days, business_days, n)
    SELECT consulate_id, date_trunc('month', day)::date, type, days, business_days, sum(n)
    FROM documentation_turnaround_by_day GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 1;
  DELETE FROM protection_monthly_counts;
  INSERT INTO protection_monthly_counts (consulate_id, month, event, category, priority, first_action, n)
    SELECT consulate_id, date_trunc('month', day)::date, event, category, priority, first_action, sum(n)
    FROM protection_counts_by_day GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 1;
END $$;

SELECT rebuild_statistics_rollups();
