-- Webhooks from a transactional outbox (issue 13 §1; README "Webhooks").
-- Every change that reports an event inserts a webhook_events row in its own
-- transaction; the statement trigger at the end fans it out to the deliveries
-- of the matching enabled subscriptions in that same transaction, so a
-- committed change is never missed and a rolled-back one never sent. The
-- dispatcher of each API process claims due deliveries FOR UPDATE SKIP LOCKED.

-- CreateEnum
CREATE TYPE "webhook_delivery_status" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "consulate_id" UUID,
    "url" VARCHAR(2000) NOT NULL,
    "events" TEXT[],
    "description" VARCHAR(500),
    "secret_ciphertext" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" VARCHAR(300),
    "failing_since" TIMESTAMPTZ(3),
    "secret_rotated_at" TIMESTAMPTZ(3),
    "created_by_id" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "consulate_id" UUID NOT NULL,
    "also_consulate_id" UUID,
    "entity_type" VARCHAR(40) NOT NULL,
    "entity_id" UUID NOT NULL,
    "confidential" BOOLEAN NOT NULL DEFAULT false,
    "payload" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "subscription_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "entity_id" UUID NOT NULL,
    "status" "webhook_delivery_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_latency_ms" INTEGER,
    "last_error" VARCHAR(200),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_subscriptions_consulate_id_created_at_id_idx" ON "webhook_subscriptions"("consulate_id", "created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_seq_key" ON "webhook_events"("seq");

-- CreateIndex
CREATE INDEX "webhook_events_occurred_at_idx" ON "webhook_events"("occurred_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_subscription_id_entity_id_event_seq_idx" ON "webhook_deliveries"("subscription_id", "entity_id", "event_seq");

-- CreateIndex
CREATE INDEX "webhook_deliveries_subscription_id_created_at_id_idx" ON "webhook_deliveries"("subscription_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries"("event_id");

-- AddForeignKey
ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_consulate_id_fkey" FOREIGN KEY ("consulate_id") REFERENCES "consulates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- A subscription listens to at least one event.
ALTER TABLE "webhook_subscriptions" ALTER COLUMN "events" SET NOT NULL,
  ADD CONSTRAINT "webhook_subscriptions_events_present" CHECK (cardinality("events") > 0);

-- What the dispatcher polls: due pending deliveries only.
CREATE INDEX "webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending';

-- Fan-out: one delivery per event and matching enabled subscription. The
-- network's subscriptions (consulate_id NULL) get every event, confidential
-- ones included (their payload carries ids only); a consulate's get the
-- events of its consulate (or naming it second, a transfer's destination),
-- never a confidential one. A delivery is due at once, on the app's clock
-- (the event's occurred_at).
CREATE FUNCTION webhook_fan_out() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (subscription_id, event_id, event_seq, entity_id, next_attempt_at, created_at)
  SELECT s.id, e.id, e.seq, e.entity_id, e.occurred_at, e.occurred_at
  FROM new_events e
  JOIN webhook_subscriptions s
    ON s.enabled AND e.type = ANY (s.events)
   AND (s.consulate_id IS NULL
        OR (NOT e.confidential AND (s.consulate_id = e.consulate_id OR s.consulate_id = e.also_consulate_id)))
  ORDER BY e.seq, s.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON webhook_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();

-- Instants in payloads, as the API writes them (ISO 8601, UTC, milliseconds).
CREATE FUNCTION webhook_instant(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
