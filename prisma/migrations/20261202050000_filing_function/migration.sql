-- Filing a documentation request in one call (issue 10). The consulate's
-- yearly reference counter is a row every filing of the consulate updates:
-- its lock is held until COMMIT, so filings of one consulate follow one
-- another. Filed by a transaction whose COMMIT the application sends after
-- the filing statement returns, the lock also spanned a round trip through a
-- busy event loop (milliseconds); called outside a transaction, this function
-- commits the moment it returns, inside the server (tens of microseconds).
--
-- It runs what the application ran in two statements of one transaction:
-- the person, with the advisory lock that serialises filings of the same type
-- for the same person (or CURP, network-wide); then, in a statement whose
-- snapshot is taken after the lock (a VOLATILE function's statements each take
-- a fresh one under READ COMMITTED), the duplicate check; then the next number
-- of the series, the request, its first timeline event and its audit event.
-- The duplicate check matches person ids by index (`= ANY`): the earlier
-- `person_id = $3 OR person_id IN (same CURP)` could not use the person's
-- index under a generic plan and scanned every request of the type, under the
-- series' lock — filings slowed down as the table grew.
--
-- The application validated the details against the person's date of birth
-- before calling; a date of birth changed since then (or a CURP changed
-- while the lock was awaited, which keyed the lock) raises CCM01 and the
-- application validates again. No person (gone, another consulate's,
-- anonymised) returns no row.
CREATE FUNCTION file_documentation_request(
  p_consulate_code text, p_consulate_id uuid, p_person_id uuid, p_type documentation_type, p_details jsonb,
  p_fee_pending boolean, p_emergency boolean, p_fee_cents integer, p_submitted_at timestamptz,
  p_due_at timestamptz, p_deadline_days integer, p_info_deadline_days integer, p_year integer,
  p_actor_id uuid, p_actor_role text, p_request_id text, p_date_of_birth date)
RETURNS TABLE (
  id uuid, reference text, consulate_id uuid, person_id uuid, type text, details jsonb, state text,
  potential_duplicate boolean, fee_pending boolean, emergency boolean, fee_cents integer, paid_cents integer,
  assigned_to_id uuid, submitted_at timestamptz, resolved_at timestamptz, issued_at timestamptz,
  cancelled_at timestamptz, turnaround_days integer, turnaround_business_days integer, due_at timestamptz,
  deadline_days integer, info_deadline_days integer, version integer, created_at timestamptz,
  updated_at timestamptz, given_names text, first_surname text, second_surname text, date_of_birth date,
  outside_jurisdiction boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  locked_curp text;
  who record;
  same uuid[];
  dup_id uuid;
BEGIN
  SELECT p.curp INTO locked_curp FROM persons p
  WHERE p.id = p_person_id AND p.consulate_id = p_consulate_id AND p.anonymised_at IS NULL;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(hashtext('docreq:' || p_type::text || ':' || coalesce(locked_curp, p_person_id::text)));
  -- The person again, as the lock holder left it.
  SELECT p.id, p.curp, p.given_names, p.first_surname, p.second_surname, p.date_of_birth, p.outside_jurisdiction
    INTO who FROM persons p
  WHERE p.id = p_person_id AND p.consulate_id = p_consulate_id AND p.anonymised_at IS NULL;
  IF NOT FOUND THEN RETURN; END IF;
  IF who.date_of_birth IS DISTINCT FROM p_date_of_birth OR who.curp IS DISTINCT FROM locked_curp THEN
    RAISE EXCEPTION 'the person changed while the request was being filed' USING ERRCODE = 'CCM01';
  END IF;
  -- The duplicate check before the series' row is locked: the person's open
  -- requests of the type, or those of anyone with the same CURP (by index).
  IF who.curp IS NULL THEN
    same := ARRAY[p_person_id];
  ELSE
    SELECT array_agg(s.id) INTO same FROM persons s WHERE s.curp = who.curp;
  END IF;
  SELECT r.id INTO dup_id FROM documentation_requests r
  WHERE r.person_id = ANY (same) AND r.type = p_type AND r.state NOT IN ('delivered', 'rejected', 'cancelled')
    AND (p_type::text NOT IN ('notarial_act', 'legalization') OR r.details = p_details)
  LIMIT 1;
  RETURN QUERY
  WITH counter AS (
    INSERT INTO reference_counters AS c (consulate_id, series, year, last_value) VALUES (p_consulate_id, 'D', p_year, 1)
    ON CONFLICT (consulate_id, series, year) DO UPDATE SET last_value = c.last_value + 1
    RETURNING c.last_value
  ), req AS (
    INSERT INTO documentation_requests AS d (reference, consulate_id, person_id, type, details, potential_duplicate,
      fee_pending, emergency, fee_cents, submitted_at, due_at, deadline_days, info_deadline_days)
    SELECT p_consulate_code || '-' || p_year::text || '-' || lpad(counter.last_value::text, 6, '0'), p_consulate_id,
      p_person_id, p_type, p_details, dup_id IS NOT NULL, p_fee_pending, p_emergency, p_fee_cents,
      p_submitted_at, p_due_at, p_deadline_days, p_info_deadline_days
    FROM counter
    RETURNING d.*
  ), event AS (
    INSERT INTO documentation_request_events (request_id, consulate_id, kind, from_state, to_state, actor_id,
      actor_role, details, at)
    SELECT req.id, p_consulate_id, 'transition', NULL, 'submitted', p_actor_id, p_actor_role,
      CASE WHEN dup_id IS NULL THEN NULL ELSE jsonb_build_object('potentialDuplicateOf', dup_id) END,
      p_submitted_at
    FROM req
  ), audit AS (
    INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action, entity_type, entity_id,
      changed_fields, details, request_id)
    SELECT 'staff', p_actor_id, p_actor_role, p_consulate_id, 'documentation_request.create', 'documentation_request',
      req.id, ARRAY['personId', 'type', 'details', 'feeCents', 'emergency'],
      jsonb_build_object('type', p_type::text, 'potentialDuplicate', dup_id IS NOT NULL), p_request_id
    FROM req
  )
  SELECT req.id, req.reference::text, req.consulate_id, req.person_id, req.type::text, req.details, req.state::text,
    req.potential_duplicate, req.fee_pending, req.emergency, req.fee_cents, req.paid_cents, req.assigned_to_id,
    req.submitted_at::timestamptz, req.resolved_at::timestamptz, req.issued_at::timestamptz,
    req.cancelled_at::timestamptz, req.turnaround_days, req.turnaround_business_days, req.due_at::timestamptz,
    req.deadline_days, req.info_deadline_days, req.version, req.created_at::timestamptz, req.updated_at::timestamptz,
    who.given_names::text, who.first_surname::text, who.second_surname::text, who.date_of_birth, who.outside_jurisdiction
  FROM req;
END;
$$;
