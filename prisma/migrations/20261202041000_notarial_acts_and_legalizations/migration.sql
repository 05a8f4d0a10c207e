-- Issue 12 §2: notarial acts and legalizations as documentation request types.
-- The statistics rollups (documentation_monthly_counts, documentation_turnaround_counts), their
-- triggers and the *_by_day views key on the documentation_type column, not on a list of values,
-- so they count the new types with no change. The new values are not used in this transaction.
ALTER TYPE "documentation_type" ADD VALUE IF NOT EXISTS 'notarial_act';
ALTER TYPE "documentation_type" ADD VALUE IF NOT EXISTS 'legalization';
