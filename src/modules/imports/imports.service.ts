import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { AppConfig } from '../../config/env.ts';
import type { Sql } from '../../db/sql.ts';
import { assertCan, type RequestContext } from '../../lib/access.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, BadRequestError, NotFoundError } from '../../lib/errors.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { MAX_LINE_BYTES, TOO_LONG_MARK } from './imports.batch.ts';
import {
  failJob,
  findJob,
  insertChunk,
  insertJob,
  INSERT_AUDIT,
  listRejections,
  queueJob,
  type JobRow,
} from './imports.repository.ts';
import type { ImportRunner } from './imports.runner.ts';

const NEWLINE = Buffer.from('\n');
/** A stored chunk holds at most this many bytes of lines (or `batchLines` lines, whichever comes first). */
const CHUNK_BYTES = 4 * 1024 * 1024;

export function toJobJson(row: JobRow) {
  return {
    id: row.id,
    state: row.state,
    dryRun: row.dry_run,
    consulateId: row.consulate_id,
    bytes: Number(row.bytes),
    linesTotal: row.lines_total,
    linesRead: row.lines_read,
    created: row.created,
    skipped: row.skipped,
    rejected: row.rejected,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export type JobJson = ReturnType<typeof toJobJson>;

export class ImportsService {
  constructor(
    private readonly sql: Sql,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly runner: ImportRunner,
  ) {}

  private get pool(): pg.Pool {
    return this.sql.pool;
  }

  /**
   * Stores the upload in chunks as it arrives (never the whole file in
   * memory: one chunk at a time, and the socket is read only as fast as the
   * chunks are written), then queues the job and wakes the runner.
   */
  async upload(ctx: RequestContext, body: unknown, dryRun: boolean): Promise<JobJson> {
    assertCan(ctx.actor, 'imports:write');
    if (!isReadable(body)) {
      throw new AppError(
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        'Send the file as application/x-ndjson.',
      );
    }
    const job = await this.sql.transaction(async (client) => {
      const row = await insertJob(client, {
        consulateId: ctx.actor.consulateId,
        actorId: ctx.actor.id,
        actorRole: ctx.actor.role,
        dryRun,
        owner: this.runner.owner,
        requestId: ctx.requestId,
        createdAt: this.clock.now(),
      });
      await client.query(INSERT_AUDIT, [
        ctx.actor.id,
        ctx.actor.role,
        ctx.actor.consulateId,
        'import.create',
        row.id,
        JSON.stringify({ importId: row.id, dryRun }),
        ctx.requestId,
      ]);
      return row;
    });

    const maxBytes = this.config.imports.maxBytes;
    const batchLines = this.config.imports.batchLines;
    let bytes = 0;
    let seq = 0;
    let nextLine = 1;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let tooLong = false;

    const flush = async () => {
      if (pending.length === 0) return;
      const data = Buffer.concat(pending.flatMap((l, i) => (i === 0 ? [l] : [NEWLINE, l])));
      await insertChunk(this.pool, job.id, { seq, firstLine: nextLine, lineCount: pending.length, data, bytes });
      seq++;
      nextLine += pending.length;
      pending = [];
      pendingBytes = 0;
    };
    const endLine = () => {
      let line = tooLong ? TOO_LONG_MARK : Buffer.concat(partial, partialBytes);
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      pending.push(line);
      pendingBytes += line.length;
      partial = [];
      partialBytes = 0;
      tooLong = false;
    };
    const append = (piece: Buffer) => {
      if (tooLong || piece.length === 0) return;
      if (partialBytes + piece.length > MAX_LINE_BYTES) {
        tooLong = true;
        partial = [];
        partialBytes = 0;
        return;
      }
      partial.push(piece);
      partialBytes += piece.length;
    };

    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += piece.length;
        if (bytes > maxBytes) {
          throw new AppError(
            413,
            'body-too-large',
            'Content Too Large',
            `An import file may have at most ${maxBytes} bytes: split it (re-sent lines are skipped).`,
          );
        }
        let start = 0;
        for (let end = piece.indexOf(10, start); end !== -1; end = piece.indexOf(10, start)) {
          append(piece.subarray(start, end));
          endLine();
          start = end + 1;
          if (pending.length >= batchLines || pendingBytes >= CHUNK_BYTES) await flush();
        }
        // Copied: the rest of the piece waits for the next one, which the stream may reuse the memory for.
        if (start < piece.length) append(Buffer.from(piece.subarray(start)));
      }
      if (partialBytes > 0 || tooLong) endLine();
      await flush();
    } catch (err) {
      const reason = err instanceof AppError ? err.message : 'The upload was interrupted before the end of the file.';
      await failJob(this.pool, job.id, reason, this.clock.now());
      if (err instanceof AppError) throw err;
      throw new BadRequestError(reason);
    }
    const queued = await queueJob(this.pool, job.id, nextLine - 1, bytes);
    this.runner.kick();
    return toJobJson(queued);
  }

  async get(ctx: RequestContext, id: string): Promise<JobJson> {
    return toJobJson(await this.visible(ctx, id));
  }

  async rejections(ctx: RequestContext, id: string, query: { limit: number; cursor?: string | undefined }) {
    await this.visible(ctx, id);
    const cursor = decodeCursor(query.cursor, ['number']);
    const rows = await listRejections(this.pool, id, (cursor?.[0] as number | undefined) ?? 0, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      data: page,
      nextCursor: rows.length > query.limit ? encodeCursor([page[page.length - 1]!.line]) : null,
    };
  }

  /** Admins see every import; a supervisor, those of their consulate (others are 404). */
  private async visible(ctx: RequestContext, id: string): Promise<JobRow> {
    assertCan(ctx.actor, 'imports:write');
    const job = await findJob(this.pool, id);
    if (!job || (ctx.actor.consulateId !== null && job.consulate_id !== ctx.actor.consulateId)) {
      throw new NotFoundError('Import');
    }
    return job;
  }
}

function isReadable(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body && 'pipe' in body;
}
