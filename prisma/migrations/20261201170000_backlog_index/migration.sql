-- The backlog (open requests) is filtered with a positive list of states, which
-- a plain index on (consulate_id, state, submitted_at) serves whatever the
-- parameters; a partial index whose predicate lists the final states is never
-- chosen for a parameterised query.
DROP INDEX "documentation_requests_backlog";
DROP INDEX "documentation_requests_consulate_id_state_idx";
CREATE INDEX "documentation_requests_consulate_id_state_submitted_at_idx"
  ON "documentation_requests" (consulate_id, state, submitted_at) INCLUDE (type, due_at);
