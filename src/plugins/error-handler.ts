import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { Prisma } from '../generated/prisma/client.ts';
import { asDatabaseUnavailable } from '../db/faults.ts';
import {
  AppError,
  problemType,
  ServiceUnavailableError,
  TooManyRequestsError,
  UNIQUE_MESSAGES,
  type FieldError,
} from '../lib/errors.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Errors Fastify itself raises for malformed requests, by code: a stable
 * problem type (never Fastify's own code) and a detail that does not echo the
 * request.
 */
const FRAMEWORK_PROBLEMS: Readonly<Record<string, { status: number; type: string; detail: string }>> = {
  FST_ERR_BAD_URL: {
    status: 400,
    type: 'malformed-url',
    detail: 'The URL is not valid: a percent-encoded sequence does not decode to UTF-8 text.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    type: 'parameter-too-long',
    detail: 'A path parameter is longer than 100 characters.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    type: 'body-too-large',
    detail: 'The request body is larger than 1 MiB.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    detail: 'Send the request body as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    type: 'bad-content-length',
    detail: 'The request body does not have the size its Content-Length announces.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    type: 'malformed-json',
    detail: 'The body is empty but Content-Type says application/json: send a JSON value, or no Content-Type.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    type: 'malformed-json',
    detail: 'The body is not valid JSON.',
  },
};

/** Problem types of other 4xx statuses Fastify or a plugin may raise. */
const STATUS_TYPES: Readonly<Record<number, string>> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  413: 'body-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  431: 'headers-too-large',
};

/** The problem for an error Fastify raised (a 4xx status and maybe a code), or undefined for anything else. */
function frameworkProblem(error: FastifyError): Pick<Problem, 'type' | 'title' | 'status' | 'detail'> | undefined {
  const known = error.code ? FRAMEWORK_PROBLEMS[error.code] : undefined;
  if (known)
    return { type: problemType(known.type), title: TITLES[known.status]!, status: known.status, detail: known.detail };
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return undefined;
  // JSON.parse's own error (and secure-json-parse's refusal of __proto__):
  // the message says where the JSON breaks.
  if (error instanceof SyntaxError) {
    return {
      type: problemType('malformed-json'),
      title: TITLES[400]!,
      status: 400,
      detail: `The body is not valid JSON: ${error.message}`,
    };
  }
  return {
    type: problemType(STATUS_TYPES[status] ?? 'bad-request'),
    title: TITLES[status] ?? STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail: error.message,
  };
}

/**
 * Fastify's `frameworkErrors` option: a malformed URL or an over-long path
 * parameter, found while routing (before any hook runs), answer problem+json
 * like every other error.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = frameworkProblem(error) ?? {
    type: problemType('bad-request'),
    title: TITLES[400]!,
    status: 400,
    detail: 'The request is not valid.',
  };
  reply.header('x-request-id', request.id);
  sendProblem(reply, { ...problem, instance: pathOf(request.url) });
}

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser refuses
 * (headers too large, a broken request line, a timeout) never reach Fastify;
 * they get a problem document written straight to the socket.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    type: problemType(STATUS_TYPES[status]!),
    title: TITLES[status],
    status,
    detail:
      status === 408
        ? 'The request was not received in time.'
        : status === 431
          ? 'The request headers are larger than the server accepts.'
          : 'The request is not valid HTTP.',
  });
  this.log.trace({ err: error }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The path of a request URL, without its query string (which may hold personal data). */
const pathOf = (url: string): string => url.split('?')[0]!;

/** Sends an RFC 9457 problem document, bypassing the route's response schema. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(problem);
}

function validationProblem(request: FastifyRequest, errors: FieldError[]): Problem {
  const first = errors[0];
  return {
    type: problemType('validation-failed'),
    title: 'Request validation failed',
    status: 400,
    detail: first ? `${first.path}: ${first.message}` : 'The request is not valid.',
    instance: request.url.split('?')[0],
    errors,
  };
}

/** `body.details.validityYears` from Fastify's `validationContext` and `instancePath`. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  return [context ?? 'request', ...parts].join('.');
}

/** The violated constraint, as Prisma's driver adapter reports it (`<table>_<columns>_key`). */
function uniqueConstraintOf(meta: Record<string, unknown> | undefined): { name: string; fields: string } | undefined {
  const cause = (
    meta?.driverAdapterError as
      { cause?: { constraint?: { index?: string; fields?: string[] }; table?: string } } | undefined
  )?.cause;
  const name = cause?.constraint?.index ?? '';
  if (cause?.constraint?.fields) return { name, fields: cause.constraint.fields.join(', ') };
  if (!name) return undefined;
  const columns = name.replace(new RegExp(`^${cause?.table ?? ''}_`), '').replace(/_(key|idx|unique)$/, '');
  return { name, fields: columns.replace(/_/g, ' ') };
}

function fromPrisma(error: Prisma.PrismaClientKnownRequestError): Problem | undefined {
  switch (error.code) {
    case 'P2002': {
      const constraint = uniqueConstraintOf(error.meta);
      const known = constraint ? UNIQUE_MESSAGES[constraint.name] : undefined;
      return {
        type: problemType('unique-violation'),
        title: 'Conflict',
        status: 409,
        detail:
          known ??
          (constraint
            ? `A record with the same ${constraint.fields} already exists.`
            : 'A record with the same unique value already exists.'),
      };
    }
    case 'P2025':
      return { type: problemType('not-found'), title: 'Not Found', status: 404, detail: 'The record was not found.' };
    case 'P2003':
      return {
        type: problemType('reference-violation'),
        title: 'Conflict',
        status: 409,
        detail: 'The request refers to a record that does not exist or is still referenced.',
      };
    default:
      return undefined;
  }
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const instance = request.url.split('?')[0];

      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = error.validation.map((issue) => ({
          path: fieldPath(error.validationContext, issue.instancePath),
          message: issue.message ?? 'is not valid',
        }));
        return sendProblem(reply, validationProblem(request, errors));
      }

      // The database cannot serve the request now (down, lost connection,
      // timeout, pool exhausted, conflict): 503 with Retry-After, never its
      // own words. The statistics client raises these already named.
      const unavailable =
        error instanceof AppError
          ? error instanceof ServiceUnavailableError
            ? error
            : undefined
          : asDatabaseUnavailable(error, app.databases?.primary ?? { role: 'primary', host: 'unknown' });
      if (unavailable) {
        request.log.warn({ err: unavailable.cause ?? unavailable, ...unavailable.logContext }, unavailable.logMessage);
        reply.header('retry-after', String(unavailable.retryAfterSeconds));
        return sendProblem(reply, {
          type: problemType(unavailable.code),
          title: unavailable.title,
          status: 503,
          detail: unavailable.message,
          instance,
        });
      }

      if (error instanceof AppError) {
        if (error instanceof TooManyRequestsError && error.retryAfterSeconds !== undefined) {
          reply.header('retry-after', String(error.retryAfterSeconds));
        }
        return sendProblem(reply, {
          type: problemType(error.code),
          title: error.title,
          status: error.status,
          detail: error.message,
          instance,
          ...error.extensions,
        });
      }

      if (error instanceof Prisma.PrismaClientKnownRequestError) {
        const problem = fromPrisma(error);
        if (problem) return sendProblem(reply, { ...problem, instance });
      }

      if (isResponseSerializationError(error)) {
        request.log.error(
          { err: error, issues: error.cause.issues.map((i) => ({ path: i.path, code: i.code })) },
          'response did not match its schema',
        );
      } else {
        // Errors Fastify raises for malformed requests (bad JSON, wrong content
        // type, body too large) carry a 4xx status.
        const problem = frameworkProblem(error);
        if (problem) return sendProblem(reply, { ...problem, instance });
        request.log.error({ err: error }, 'unhandled error');
      }

      return sendProblem(reply, {
        type: problemType('internal'),
        title: 'Internal Server Error',
        status: 500,
        detail: `An unexpected error occurred. Quote request id ${request.id} when reporting it.`,
        instance,
      });
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        type: problemType('route-not-found'),
        title: 'Not Found',
        status: 404,
        detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
        instance: request.url.split('?')[0],
      }),
    );
  },
  { name: 'error-handler' },
);
