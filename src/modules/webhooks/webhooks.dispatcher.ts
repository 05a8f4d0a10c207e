import type pg from 'pg';
import type { AppConfig } from '../../config/env.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { recordAudit, SYSTEM_CONTEXT } from '../audit/audit.repository.ts';
import { sign, type SecretBox } from './webhooks.crypto.ts';
import { isRetryable, postOnce, type AttemptResult, type TargetPolicy } from './webhooks.http.ts';

type Log = (level: 'info' | 'warn' | 'error', details: Record<string, unknown>, message: string) => void;

/**
 * Due deliveries of enabled subscriptions, each claimed by one process
 * (`FOR UPDATE SKIP LOCKED`; the claim commits a lease — its next attempt
 * time moves past the attempt's timeout — so no connection is held while the
 * receiver answers, and a process that dies mid-attempt leaves the delivery
 * to be retried when the lease ends). In order per record per subscription:
 * a delivery waits while an earlier one of the same record is pending.
 */
const CLAIM_SQL = `WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
    WHERE d.status = 'pending' AND d.next_attempt_at <= $1
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries p
        WHERE p.subscription_id = d.subscription_id AND p.entity_id = d.entity_id
          AND p.status = 'pending' AND p.event_seq < d.event_seq)
    ORDER BY d.next_attempt_at, d.event_seq
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
  )
  UPDATE webhook_deliveries d
  SET next_attempt_at = $3, attempts = d.attempts + 1, last_attempt_at = $1
  FROM due, webhook_subscriptions s, webhook_events e
  WHERE d.id = due.id AND s.id = d.subscription_id AND e.id = d.event_id
  RETURNING d.id, d.attempts, d.created_at, d.subscription_id, s.url, s.secret_ciphertext,
    e.id AS event_id, e.type, e.payload, e.occurred_at`;

interface Claimed {
  id: string;
  attempts: number;
  created_at: Date;
  subscription_id: string;
  url: string;
  secret_ciphertext: string;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
}

const RECORD_SQL = `UPDATE webhook_deliveries
  SET status = $2::webhook_delivery_status, next_attempt_at = $3, last_status_code = $4, last_latency_ms = $5,
      last_error = $6, completed_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $7::timestamptz END
  WHERE id = $1`;

/** A success ends the subscription's failing streak. */
const SUCCEEDED_SQL = `UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`;

/** A failure starts (or continues) the streak; a streak as old as the limit disables the subscription. */
const FAILED_SQL = `UPDATE webhook_subscriptions
  SET failing_since = COALESCE(failing_since, $2::timestamptz),
      enabled = CASE WHEN COALESCE(failing_since, $2) <= $3 THEN false ELSE enabled END,
      disabled_at = CASE WHEN COALESCE(failing_since, $2) <= $3 THEN $2 ELSE disabled_at END,
      disabled_reason = CASE WHEN COALESCE(failing_since, $2) <= $3
        THEN 'Every delivery has failed since ' || webhook_instant(COALESCE(failing_since, $2)) || ' (last: ' || $4 || ')'
        ELSE disabled_reason END,
      version = CASE WHEN COALESCE(failing_since, $2) <= $3 THEN version + 1 ELSE version END
  WHERE id = $1::uuid AND enabled
  RETURNING enabled, consulate_id`;

export interface DispatcherOptions {
  prisma: PrismaClient;
  pool: pg.Pool;
  config: AppConfig['webhooks'];
  policy: TargetPolicy;
  clock: Clock;
  box: SecretBox;
  log: Log;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly abort = new AbortController();

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling; attempts in flight are cut short and retried (by any replica) at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then((full) => this.schedule(full ? 0 : this.o.config.pollIntervalMs))
        .catch((error: unknown) => {
          this.o.log('warn', { err: { message: (error as Error).message } }, 'webhook dispatcher: poll failed');
          this.schedule(this.o.config.pollIntervalMs);
        });
    }, ms);
  }

  /** One round: claim what is due, attempt it all, record. True when the batch was full (more may be due). */
  async tick(): Promise<boolean> {
    const { config, clock, pool } = this.o;
    const now = clock.now();
    const lease = new Date(now.getTime() + config.timeoutMs + 30_000);
    const { rows } = await pool.query<Claimed>(CLAIM_SQL, [now, config.concurrency, lease]);
    await Promise.all(rows.map((row) => this.attempt(row)));
    return rows.length === config.concurrency;
  }

  private async attempt(d: Claimed): Promise<void> {
    const { config, clock, box } = this.o;
    const body = JSON.stringify({ type: d.type, timestamp: d.occurred_at.toISOString(), data: d.payload });
    let result: AttemptResult;
    try {
      const secret = box.open(d.secret_ciphertext);
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      result = await postOnce({
        url: d.url,
        body,
        timeoutMs: config.timeoutMs,
        policy: this.o.policy,
        signal: this.abort.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'consular-api-webhooks/1',
          'webhook-id': d.event_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(secret, d.event_id, timestamp, body),
        },
      });
    } catch {
      result = { status: null, latencyMs: 0, error: 'secret unreadable', retryAfterSeconds: null };
    }
    await this.record(d, result);
  }

  private async record(d: Claimed, r: AttemptResult): Promise<void> {
    const { config, clock, pool } = this.o;
    const now = clock.now();
    const ok = r.error === null;
    let status: 'pending' | 'succeeded' | 'failed' = ok ? 'succeeded' : 'failed';
    let next = now;
    if (r.error === 'aborted') {
      // Shutting down: not the receiver's fault; any replica tries again now.
      status = 'pending';
    } else if (!ok && isRetryable(r)) {
      const delay = Math.max(
        backoff(d.attempts, config.retryBaseMs, config.retryMaxMs),
        (r.retryAfterSeconds ?? 0) * 1000,
      );
      next = new Date(now.getTime() + Math.min(delay, config.retryMaxMs));
      const giveUpAt = d.created_at.getTime() + config.retryWindowSeconds * 1000;
      if (next.getTime() <= giveUpAt) status = 'pending';
    }
    await pool.query(RECORD_SQL, [d.id, status, next, r.status, r.latencyMs, r.error, now]);
    this.o.log(
      'info',
      {
        webhookDelivery: d.id,
        webhookSubscription: d.subscription_id,
        event: d.type,
        attempt: d.attempts,
        status: r.status,
        error: r.error,
        outcome: status,
        latencyMs: r.latencyMs,
      },
      'webhook delivery attempted',
    );
    if (r.error === 'aborted') return;
    if (ok) {
      await pool.query(SUCCEEDED_SQL, [d.subscription_id]);
      return;
    }
    const limit = new Date(now.getTime() - config.disableAfterSeconds * 1000);
    // The disabling and its audit event commit together.
    const disabled = await this.o.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ enabled: boolean; consulate_id: string | null }[]>(
        FAILED_SQL,
        d.subscription_id,
        now,
        limit,
        r.error ?? 'error',
      );
      const row = rows[0];
      if (!row || row.enabled) return false;
      await recordAudit(tx, SYSTEM_CONTEXT, {
        action: 'webhook.auto_disable',
        entityType: 'webhook_subscription',
        entityId: d.subscription_id,
        consulateId: row.consulate_id,
        changedFields: ['enabled', 'disabledAt', 'disabledReason'],
      });
      return true;
    });
    if (disabled) {
      this.o.log(
        'warn',
        { webhookSubscription: d.subscription_id },
        'webhook subscription disabled: failing for too long',
      );
    }
  }
}

/** Exponential with jitter: between half and all of base·2^(n−1), at most `max`. */
export function backoff(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
