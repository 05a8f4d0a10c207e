import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Request bodies and query strings
 * are never logged at all (see the request-context plugin); these guard
 * anything that reaches a log line by another road.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.secret',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.curp',
  '*.dateOfBirth',
  '*.email',
  '*.phone',
  '*.givenNames',
  '*.firstSurname',
  '*.secondSurname',
  'body',
  '*.body',
  'query',
  '*.query',
];

const PRISMA_ERROR = /^PrismaClient/;

/**
 * Error serializer that cannot leak row values: Prisma's validation errors
 * print the query arguments (personal data) after the first line, and
 * PostgreSQL's `detail` names the conflicting values, so both are cut.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; statusCode?: unknown };
  const isPrisma = PRISMA_ERROR.test(e.name) || PRISMA_ERROR.test(e.constructor?.name ?? '');
  const message = isPrisma ? (e.message.trim().split('\n')[0] ?? '') : e.message;
  const frames = (e.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return {
    type: e.name,
    code: e.code,
    statusCode: e.statusCode,
    message,
    stack: [`${e.name}: ${message}`, ...frames].join('\n'),
  };
}

export function createLogger(level: LoggerOptions['level'], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      base: { service: 'consular-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
