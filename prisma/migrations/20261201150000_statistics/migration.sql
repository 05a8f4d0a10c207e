-- AlterTable
ALTER TABLE "documentation_requests" ADD COLUMN     "cancelled_at" TIMESTAMPTZ(3),
ADD COLUMN     "turnaround_business_days" INTEGER,
ADD COLUMN     "turnaround_days" INTEGER;


-- ---------------------------------------------------------------------------
-- Hand-written: indexes that serve statistics. Each figure of a consulate and
-- period is an index range scan over that consulate and period only, so its
-- cost does not grow with other consulates' rows or other years.
-- ---------------------------------------------------------------------------

CREATE INDEX "documentation_requests_submitted" ON "documentation_requests" (consulate_id, submitted_at) INCLUDE (type);
CREATE INDEX "documentation_requests_issued" ON "documentation_requests" (consulate_id, issued_at)
  INCLUDE (type, turnaround_days, turnaround_business_days) WHERE issued_at IS NOT NULL;
CREATE INDEX "documentation_requests_resolved" ON "documentation_requests" (consulate_id, resolved_at)
  INCLUDE (type, state, due_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX "documentation_requests_cancelled" ON "documentation_requests" (consulate_id, cancelled_at)
  INCLUDE (type) WHERE cancelled_at IS NOT NULL;
-- The backlog: what is not yet delivered, rejected or cancelled.
CREATE INDEX "documentation_requests_backlog" ON "documentation_requests" (consulate_id, submitted_at)
  INCLUDE (state, type, due_at) WHERE state NOT IN ('delivered', 'rejected', 'cancelled');

CREATE INDEX "protection_cases_opened" ON "protection_cases" (consulate_id, opened_at)
  INCLUDE (category, priority, first_action_at, first_action_due_at);
CREATE INDEX "protection_cases_closed" ON "protection_cases" (consulate_id, closed_at)
  INCLUDE (category, priority) WHERE closed_at IS NOT NULL;
CREATE INDEX "protection_cases_active" ON "protection_cases" (consulate_id)
  INCLUDE (state, first_action_at, first_action_due_at) WHERE state IN ('open', 'in_progress', 'referred', 'reopened');
