import { ServiceUnavailableError } from '../lib/errors.ts';

/**
 * Recognises the errors that mean "the database cannot serve this request
 * now" — as opposed to "this request is wrong" (a constraint, a bad value) or
 * a bug — so that they answer 503 with Retry-After instead of 500.
 *
 * What reaches us, with Prisma 7 over @prisma/adapter-pg (read from
 * client-engine-runtime/src/user-facing-error.ts, transaction-manager and
 * adapter-pg/src/errors.ts, and checked by tests/faults*.test.ts):
 *
 * - PrismaClientKnownRequestError with a connection code: P1001 (refused,
 *   unknown host), P1008 (socket timeout), P1017 (connection reset), P2028
 *   (interactive transaction: no connection within maxWait, or expired),
 *   P2034 (serialization failure, deadlock), P2037 (too many connections).
 * - P2010 (raw query) and P2039 (model query) for any other PostgreSQL error,
 *   the SQLSTATE in `meta.driverAdapterError.cause.originalCode`: 57014 is a
 *   statement timeout, 57P01 a server shutting down, class 08 a lost
 *   connection…
 * - the driver's own errors, unchanged, when the adapter has no mapping for
 *   them: Node's socket errors (`code` ECONNRESET, EPIPE…; Prisma copies an
 *   unknown `code` onto its error) and node-postgres' errors, which carry no
 *   code at all — the pool's "timeout exceeded when trying to connect", "Query
 *   read timeout", "Connection terminated unexpectedly"… — recognised by their
 *   exact messages (tests/faults-mapping.test.ts checks these still exist in
 *   the installed pg and pg-pool).
 */

export type FaultReason = 'unreachable' | 'connection-lost' | 'timeout' | 'busy' | 'conflict' | 'unavailable';

export interface DatabaseFault {
  readonly reason: FaultReason;
  /** The structured code it was recognised by (P1001, 57014, ECONNREFUSED, pg:…), for the log. */
  readonly code: string;
}

const PRISMA_CODES: Readonly<Record<string, FaultReason>> = {
  P1000: 'unavailable', // authentication failed (credentials rotated, misconfiguration)
  P1001: 'unreachable',
  P1002: 'timeout',
  P1003: 'unavailable', // database does not exist
  P1008: 'timeout',
  P1010: 'unavailable', // access denied
  P1011: 'unavailable', // TLS
  P1017: 'connection-lost',
  P2024: 'busy', // connection pool timeout (Rust engine)
  P2034: 'conflict',
  P2037: 'busy',
};

/** Driver adapter error kinds (`meta.driverAdapterError.cause.kind`). */
const ADAPTER_KINDS: Readonly<Record<string, FaultReason>> = {
  DatabaseNotReachable: 'unreachable',
  ConnectionClosed: 'connection-lost',
  SocketTimeout: 'timeout',
  TooManyConnections: 'busy',
  TransactionWriteConflict: 'conflict',
  AuthenticationFailed: 'unavailable',
  DatabaseDoesNotExist: 'unavailable',
  DatabaseAccessDenied: 'unavailable',
  TlsConnectionError: 'unavailable',
};

/** Node.js socket errors. */
const SOCKET_CODES: Readonly<Record<string, FaultReason>> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ECONNRESET: 'connection-lost',
  ECONNABORTED: 'connection-lost',
  EPIPE: 'connection-lost',
  ETIMEDOUT: 'timeout',
};

/** PostgreSQL SQLSTATEs, exact. */
const SQLSTATES: Readonly<Record<string, FaultReason>> = {
  '08001': 'unreachable', // sqlclient_unable_to_establish_sqlconnection
  '08004': 'unreachable', // sqlserver_rejected_establishment_of_sqlconnection
  '40001': 'conflict', // serialization_failure (also a hot standby's recovery conflict)
  '40P01': 'conflict', // deadlock_detected
  '40003': 'connection-lost', // statement_completion_unknown
  '55P03': 'timeout', // lock_not_available (lock_timeout)
  '57014': 'timeout', // query_canceled (statement_timeout)
  '25P03': 'timeout', // idle_in_transaction_session_timeout
  '57P01': 'connection-lost', // admin_shutdown
  '57P02': 'connection-lost', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up, shutting down, recovering)
  '57P04': 'unavailable', // database_dropped
  '57P05': 'connection-lost', // idle_session_timeout
  '25006': 'unavailable', // read_only_sql_transaction: writing to a standby (failover under way)
  '58000': 'unavailable', // system_error
  '58030': 'unavailable', // io_error
};

/** SQLSTATE classes: 08 connection exception, 53 insufficient resources. */
const SQLSTATE_CLASSES: Readonly<Record<string, FaultReason>> = {
  '08': 'connection-lost',
  '53': 'busy',
};

/** node-postgres (pg 8, pg-pool 3) raises these without a code. */
export const PG_MESSAGES: Readonly<Record<string, FaultReason>> = {
  'timeout exceeded when trying to connect': 'busy', // pg-pool: no free connection within connectionTimeoutMillis
  'Connection terminated due to connection timeout': 'timeout', // pg-pool: connecting took too long
  'timeout expired': 'timeout', // pg Client: connecting took too long
  'Query read timeout': 'timeout', // pg Client: query_timeout (the server did not answer at all)
  'Connection terminated unexpectedly': 'connection-lost',
  'Connection terminated': 'connection-lost',
  'Client has encountered a connection error and is not queryable': 'connection-lost',
  'Client was closed and is not queryable': 'connection-lost',
  'Cannot use a pool after calling end on the pool': 'unavailable', // shutting down
};

function sqlstateReason(sqlstate: string): FaultReason | undefined {
  return SQLSTATES[sqlstate] ?? SQLSTATE_CLASSES[sqlstate.slice(0, 2)];
}

/** A driver adapter error's payload: `{ kind, originalCode?, code? }`. */
function fromAdapterCause(cause: unknown): DatabaseFault | undefined {
  if (cause === null || typeof cause !== 'object') return undefined;
  const { kind, originalCode, code } = cause as { kind?: unknown; originalCode?: unknown; code?: unknown };
  const sqlstate = typeof originalCode === 'string' ? originalCode : typeof code === 'string' ? code : undefined;
  if (sqlstate) {
    const reason = sqlstateReason(sqlstate);
    if (reason) return { reason, code: sqlstate };
  }
  const reason = typeof kind === 'string' ? ADAPTER_KINDS[kind] : undefined;
  if (reason && typeof kind === 'string') return { reason, code: kind };
  return undefined;
}

function classifyOne(error: object): DatabaseFault | undefined {
  const e = error as {
    name?: unknown;
    code?: unknown;
    errorCode?: unknown;
    meta?: { driverAdapterError?: { cause?: unknown }; timeout?: unknown };
    cause?: unknown;
    message?: unknown;
    syscall?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : typeof e.errorCode === 'string' ? e.errorCode : undefined;
  if (code === 'P2010' || code === 'P2039') return fromAdapterCause(e.meta?.driverAdapterError?.cause);
  // Transaction API: "unable to start in the given time" (no connection) or "expired".
  if (code === 'P2028') return { reason: e.meta?.timeout !== undefined ? 'timeout' : 'busy', code };
  const prismaReason = code ? PRISMA_CODES[code] : undefined;
  if (code && prismaReason) {
    const detailed = fromAdapterCause(e.meta?.driverAdapterError?.cause);
    return { reason: prismaReason, code: detailed && detailed.code !== code ? `${code}/${detailed.code}` : code };
  }
  const socketReason = code ? SOCKET_CODES[code] : undefined;
  if (code && socketReason) return { reason: socketReason, code };
  if (e.name === 'DriverAdapterError') return fromAdapterCause(e.cause);
  // A PostgreSQL error straight from pg (severity + SQLSTATE).
  if (code && /^[0-9A-Z]{5}$/.test(code) && typeof (error as { severity?: unknown }).severity === 'string') {
    const reason = sqlstateReason(code);
    if (reason) return { reason, code };
  }
  const pgReason = typeof e.message === 'string' && e.code === undefined ? PG_MESSAGES[e.message] : undefined;
  if (pgReason) return { reason: pgReason, code: `pg: ${String(e.message)}` };
  return undefined;
}

/** The database fault behind `error`, if it is one (looks through `cause` too); undefined otherwise. */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const fault = classifyOne(current);
    if (fault) return fault;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Which database failed, for the answer's detail and the operator's log line. */
export interface DatabaseIdentity {
  /** `primary` or `statistics`. */
  readonly role: 'primary' | 'statistics';
  /** host:port, without credentials. */
  readonly host: string;
}

export function databaseIdentity(role: DatabaseIdentity['role'], url: string): DatabaseIdentity {
  try {
    return { role, host: new URL(url).host };
  } catch {
    return { role, host: '(unparsable URL)' };
  }
}

const RETRY_AFTER_SECONDS: Readonly<Record<FaultReason, number>> = {
  conflict: 1,
  busy: 2,
  timeout: 5,
  'connection-lost': 5,
  unreachable: 5,
  unavailable: 5,
};

/** The answer's detail: what happened, in words, never the driver's message. */
const DETAILS: Readonly<Record<FaultReason, (database: string) => string>> = {
  unreachable: (db) => `${db} cannot be reached. Retry in a few seconds.`,
  'connection-lost': (db) =>
    `The connection to ${db.toLowerCase()} was lost while serving the request. Retry in a few seconds.`,
  timeout: (db) => `${db} did not answer in time. Retry in a few seconds.`,
  busy: (db) => `${db} is too busy to serve the request now. Retry in a few seconds.`,
  conflict: () => 'The request collided with a concurrent change and was not applied. Retry it.',
  unavailable: (db) => `${db} is unavailable. Retry in a few seconds.`,
};

/**
 * The 503 a fault answers. No internal code or message reaches the client:
 * they go to the log line (`logContext`).
 */
export function databaseUnavailable(
  fault: DatabaseFault,
  database: DatabaseIdentity,
  cause: unknown,
): ServiceUnavailableError {
  const which = database.role === 'statistics' ? 'The statistics database' : 'The database';
  const rest = database.role === 'statistics' ? ' The rest of the service is not affected.' : '';
  return new ServiceUnavailableError(`${DETAILS[fault.reason](which)}${rest}`, {
    retryAfterSeconds: RETRY_AFTER_SECONDS[fault.reason],
    code: fault.reason === 'conflict' ? 'transaction-conflict' : 'database-unavailable',
    cause,
    logMessage: database.role === 'statistics' ? 'statistics database unavailable' : 'database unavailable',
    logContext: { database: database.role, databaseHost: database.host, fault: fault.reason, faultCode: fault.code },
  });
}

/** `databaseUnavailable` for an error that is a database fault; undefined for any other error. */
export function asDatabaseUnavailable(error: unknown, database: DatabaseIdentity): ServiceUnavailableError | undefined {
  if (error instanceof ServiceUnavailableError) return error;
  const fault = databaseFault(error);
  return fault ? databaseUnavailable(fault, database, error) : undefined;
}
