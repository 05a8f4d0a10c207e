import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
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
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

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
        // type, body too large) carry a 4xx status and a safe message.
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          return sendProblem(reply, {
            type: problemType(error.code ? error.code.toLowerCase().replace(/_/g, '-') : 'bad-request'),
            title: TITLES[status] ?? 'Bad Request',
            status,
            detail: error.message,
            instance,
          });
        }
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
