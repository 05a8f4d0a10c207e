import type { Sql } from '../../db/sql.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { accessActor, type AccessEntry } from './access-log.repository.ts';

const INSERT_SQL = `INSERT INTO access_log (actor_type, actor_id, actor_role, consulate_id, request_id,
    person_id, entity_type, entity_id, action, purpose)
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::text[],
    $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::text[])`;

/** Rows per statement; a busier moment is written in several. */
const MAX_ROWS = 1_000;

interface Waiting {
  ctx: AuditContext;
  entries: readonly AccessEntry[];
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
        await this.sql.rows(INSERT_SQL, columns(batch, rows));
        for (const w of batch) w.resolve();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const w of batch) w.reject(error);
      }
    }
    this.writing = false;
  }
}

/** The ten column arrays of `rows` rows. */
function columns(batch: readonly Waiting[], rows: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(rows));
  let i = 0;
  for (const { ctx, entries } of batch) {
    const [type, id, role, consulate] = accessActor(ctx.actor);
    const requestId = ctx.requestId ?? null;
    for (const e of entries) {
      cols[0]![i] = type;
      cols[1]![i] = id;
      cols[2]![i] = role;
      cols[3]![i] = consulate;
      cols[4]![i] = requestId;
      cols[5]![i] = e.personId;
      cols[6]![i] = e.entityType;
      cols[7]![i] = e.entityId;
      cols[8]![i] = e.action;
      cols[9]![i] = e.purpose ?? null;
      i++;
    }
  }
  return cols;
}
