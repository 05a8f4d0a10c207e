import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../../config/env.ts';
import type { Sql } from '../../db/sql.ts';
import type { Clock } from '../../lib/clock.ts';
import type { CalendarCache } from '../consulates/holidays.repository.ts';
import { parseChunk, writeBatch, type BatchEnv, type ConsulateRef } from './imports.batch.ts';
import {
  activeConsulates,
  claimJob,
  failAbandonedUploads,
  failJob,
  finishJob,
  readChunk,
  releaseJob,
  type JobRow,
} from './imports.repository.ts';

const POLL_MS = 2_000;
const ATTEMPTS = 3;

/**
 * Runs import jobs in the process, on whichever replica claims them: a job
 * is held through a lease row (renewed by every batch; SKIP LOCKED claims),
 * and its progress is committed with each batch, so a job whose replica
 * stopped is taken over at its first uncommitted batch once the lease runs
 * out — or at once, when the replica stopped cleanly and gave it back.
 */
export class ImportRunner {
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;

  constructor(
    private readonly sql: Sql,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly calendars: CalendarCache,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Polls for jobs (new ones, and ones whose replica stopped). */
  start(): void {
    if (!this.config.imports.worker) return;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (after an upload); at most one loop per replica. */
  kick(): void {
    if (!this.config.imports.worker || this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((err: unknown) => this.log.error({ err: safeError(err) }, 'import runner failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopping) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Lets the batch in hand finish and gives the job back. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /**
   * Claims one job and runs at most `maxBatches` batches of it, then returns
   * keeping the lease — what a replica that dies there leaves behind (tests).
   */
  async runSome(maxBatches: number): Promise<JobRow | undefined> {
    const job = await claimJob(this.sql.pool, this.owner, this.clock.now());
    if (job) await this.process(job, maxBatches);
    return job;
  }

  private async loop(): Promise<void> {
    await failAbandonedUploads(this.sql.pool, this.clock.now());
    while (!this.stopping) {
      const job = await claimJob(this.sql.pool, this.owner, this.clock.now());
      if (!job) return;
      this.log.info({ importId: job.id, fromLine: job.lines_read + 1 }, 'import claimed');
      await this.process(job);
    }
  }

  private async env(): Promise<Omit<BatchEnv, 'now'>> {
    const consulates = new Map<string, ConsulateRef>();
    for (const c of await activeConsulates(this.sql.pool)) {
      consulates.set(c.code, { id: c.id, code: c.code, timeZone: c.time_zone });
    }
    return { config: this.config, consulates, calendar: (id) => this.calendars.get(id) };
  }

  private async process(job: JobRow, maxBatches = Infinity): Promise<void> {
    const pool = this.sql.pool;
    const base = await this.env();
    let current = job;
    // The next chunk is read and validated while the batch before it is written (CPU beside the database).
    const prepare = async (seq: number) => {
      const chunk = await readChunk(pool, job.id, seq);
      const env = { ...base, now: this.clock.now() };
      return chunk ? { chunk, env, parsed: await parseChunk(chunk, job, env) } : undefined;
    };
    let ahead = prepare(current.next_seq);
    for (let batches = 0; batches < maxBatches; batches++) {
      if (this.stopping) {
        await ahead.catch(() => undefined);
        await releaseJob(pool, job.id, this.owner);
        return;
      }
      const prepared = await ahead;
      if (!prepared) {
        await finishJob(pool, job.id, this.owner, this.clock.now());
        this.log.info(
          { importId: job.id, created: current.created, skipped: current.skipped, rejected: current.rejected },
          'import finished',
        );
        return;
      }
      const { chunk, env, parsed } = prepared;
      ahead = prepare(chunk.seq + 1);
      // Handled where it is awaited; never an unhandled rejection meanwhile.
      ahead.catch(() => undefined);
      for (let attempt = 1; ; attempt++) {
        try {
          const done = await this.sql.transaction((client) =>
            writeBatch(client, current, this.owner, chunk, parsed, env),
          );
          if (!done) {
            this.log.warn({ importId: job.id }, 'import taken over by another replica');
            return;
          }
          current = done;
          break;
        } catch (err) {
          // The error's detail may quote a line's values: only its code is logged.
          this.log.warn(
            { importId: job.id, line: chunk.first_line, attempt, err: safeError(err) },
            'import batch failed',
          );
          if (attempt >= ATTEMPTS) {
            await failJob(
              pool,
              job.id,
              `The batch from line ${chunk.first_line} could not be written (${safeError(err).code ?? 'error'}); the lines before it are committed and counted. Send the file again to resume (imported lines are skipped).`,
              this.clock.now(),
            );
            return;
          }
        }
      }
    }
  }
}

function safeError(err: unknown): { code?: string; constraint?: string; name?: string } {
  const e = err as { code?: string; constraint?: string; name?: string };
  return { code: e?.code, constraint: e?.constraint, name: e?.name };
}
