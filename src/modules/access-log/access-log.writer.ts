import type { Sql } from '../../db/sql.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { ACCESS_INSERT_SQL, accessColumns, type AccessEntry, type AccessReads } from './access-log.repository.ts';

/** Rows per statement; a busier moment is written in several. */
const MAX_ROWS = 1_000;

interface Waiting extends AccessReads {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Access-log rows of reads outside a transaction, committed before the
 * answer leaves — several requests' rows in one statement. A read hands its
 * rows over and waits; the rows of every read that finished in the same turn
 * of the event loop (and of those that finished while a statement was being
 * written) go in one `INSERT … SELECT FROM unnest(…)`, one commit for all.
 * Each caller's promise settles with that statement: resolved once its rows
 * are committed, rejected if the statement failed — then its answer does not
 * leave either (docs/decisions.md "Access-log rows of many reads in one
 * statement"). One statement is in flight at a time.
 */
export class AccessLogWriter {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly sql: Sql) {}

  /** Resolves once `entries` are committed to the access log. */
  record(ctx: AuditContext, entries: readonly AccessEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ ctx, entries, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      let rows = 0;
      let take = 0;
      while (take < this.waiting.length && (take === 0 || rows + this.waiting[take]!.entries.length <= MAX_ROWS)) {
        rows += this.waiting[take]!.entries.length;
        take++;
      }
      const batch = this.waiting.splice(0, take);
      try {
        await this.sql.rows(ACCESS_INSERT_SQL, accessColumns(batch));
        for (const w of batch) w.resolve();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const w of batch) w.reject(error);
      }
    }
    this.writing = false;
  }
}
