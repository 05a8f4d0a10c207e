-- Change notifications for the replicas' in-memory caches (src/db/changes.ts).
-- When a change commits, PostgreSQL tells every listening API process which
-- key changed; they drop what they cached of it. Triggers, not application
-- code, so no path that changes these rows (the API, a migration, an
-- operator's SQL) can forget to tell. Identical notifications of one
-- transaction are delivered once.

CREATE FUNCTION ccm_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  affected jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
  -- TG_ARGV[0]: the key's prefix; TG_ARGV[1]: the column that names the entity.
  PERFORM pg_notify('ccm_changes', TG_ARGV[0] || ':' || (affected ->> TG_ARGV[1]));
  RETURN NULL;
END
$$;

-- Sessions: logout, refresh-token reuse and password changes revoke them.
CREATE TRIGGER auth_sessions_notify AFTER UPDATE ON auth_sessions
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('auth_session', 'id');

-- Accounts: deactivation, role or consulate changes, and the profile /auth/me shows.
CREATE TRIGGER staff_notify AFTER UPDATE OR DELETE ON staff
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('staff', 'id');

-- Kiosks: disabling, secret rotation, moving (not the once-a-minute last-seen stamp).
CREATE TRIGGER kiosks_notify AFTER UPDATE ON kiosks
  FOR EACH ROW WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled
                     OR OLD.secret_version IS DISTINCT FROM NEW.secret_version
                     OR OLD.consulate_id IS DISTINCT FROM NEW.consulate_id)
  EXECUTE FUNCTION ccm_notify_change('kiosk', 'id');
CREATE TRIGGER kiosks_notify_delete AFTER DELETE ON kiosks
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('kiosk', 'id');

-- Business calendars: a consulate's holidays and its time zone.
CREATE TRIGGER consulate_holidays_notify AFTER INSERT OR UPDATE OR DELETE ON consulate_holidays
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('consulate', 'consulate_id');
CREATE TRIGGER consulates_notify AFTER UPDATE OR DELETE ON consulates
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('consulate', 'id');

-- Office appointment schedules (hours, slot length, capacity per service).
CREATE TRIGGER consulate_schedules_notify AFTER INSERT OR UPDATE OR DELETE ON consulate_schedules
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('consulate', 'consulate_id');
CREATE TRIGGER consulate_opening_hours_notify AFTER INSERT OR UPDATE OR DELETE ON consulate_opening_hours
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('consulate', 'consulate_id');
CREATE TRIGGER consulate_service_capacities_notify AFTER INSERT OR UPDATE OR DELETE ON consulate_service_capacities
  FOR EACH ROW EXECUTE FUNCTION ccm_notify_change('consulate', 'consulate_id');
