-- "Who accessed my record" (issue 13 §2): every read of a person, their
-- documentation requests and their protection cases, one row per record
-- returned. Writes are not repeated here: the report takes them from
-- audit_events. Append-only, partitioned by month (UTC) so that keeping or
-- dropping a month is cheap and the person's index stays small per month.
-- Not a Prisma model: Prisma knows no partitioned tables; the application
-- reads and writes it with hand-written SQL (src/modules/access-log).

CREATE SEQUENCE access_log_id_seq AS bigint;

CREATE TABLE access_log (
  -- The database's clock, as audit_events uses, so reads and writes order in one report.
  occurred_at  timestamptz(3) NOT NULL DEFAULT now(),
  -- Order among rows of the same instant (identity columns on partitioned tables need PostgreSQL 17).
  id           bigint NOT NULL DEFAULT nextval('access_log_id_seq'),
  -- staff | kiosk | system | import | webhook (text: new actor kinds need no migration).
  actor_type   varchar(20) NOT NULL,
  actor_id     uuid,
  actor_role   varchar(40),
  -- The actor's consulate; null for network-wide roles.
  consulate_id uuid,
  person_id    uuid NOT NULL,
  entity_type  varchar(60) NOT NULL,
  entity_id    uuid NOT NULL,
  action       varchar(80) NOT NULL,
  -- The purpose the reader stated (a code, never free text).
  purpose      varchar(40),
  request_id   varchar(128)
  -- No primary key: nothing looks a row up by its id, and every index is
  -- paid by every read. The report reads by person (below).
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE access_log_id_seq OWNED BY access_log.id;

CREATE INDEX access_log_person_idx ON access_log (person_id, occurred_at DESC, id DESC);

-- Catches anything outside the monthly partitions, so an insert never fails.
CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;

-- Creates the monthly partitions from `start_month` for `months` months that
-- do not exist yet; the API calls it at start and daily (once across replicas
-- by the advisory lock). Returns how many it created.
CREATE FUNCTION ccm_access_log_ensure_partitions(start_month date, months int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  first_day date;
  part text;
  made int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ccm_access_log_partitions'));
  FOR i IN 0 .. months - 1 LOOP
    first_day := (date_trunc('month', start_month::timestamp) + make_interval(months => i))::date;
    part := 'access_log_' || to_char(first_day, 'YYYY_MM');
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF access_log FOR VALUES FROM (%L) TO (%L)',
        part,
        (first_day::timestamp AT TIME ZONE 'UTC'),
        ((first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      made := made + 1;
    END IF;
  END LOOP;
  RETURN made;
END
$$;

SELECT ccm_access_log_ensure_partitions(DATE '2026-11-01', 6);

-- The report finds a person's requests and cases by person.
CREATE INDEX "protection_cases_person_id_idx" ON "protection_cases"("person_id");
