/**
 * Errors that services throw. The error handler renders each as an RFC 9457
 * problem document; `code` is stable and becomes the problem `type`.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    /** Extra members of the problem document (RFC 9457 extensions). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(400, 'validation-failed', 'Request validation failed', detail, errors.length ? { errors } : {});
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Authentication is required.', code = 'unauthenticated') {
    super(401, code, 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'Your role does not allow this action.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, detail?: string) {
    super(404, 'not-found', 'Not Found', detail ?? `${entity} not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, code = 'conflict', extensions: Record<string, unknown> = {}) {
    super(409, code, 'Conflict', detail, extensions);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(detail = 'The resource has changed since you read it: fetch it again and retry with its current ETag.') {
    super(412, 'precondition-failed', 'Precondition Failed', detail);
  }
}

export class PreconditionRequiredError extends AppError {
  constructor(detail = 'This request must carry an If-Match header with the ETag of the version you read.') {
    super(428, 'precondition-required', 'Precondition Required', detail);
  }
}

export class UnprocessableError extends AppError {
  constructor(detail: string, code = 'unprocessable') {
    super(422, code, 'Unprocessable Content', detail);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(429, 'too-many-requests', 'Too Many Requests', detail);
  }
}

/**
 * 503: a dependency (the database) cannot serve the request now; the same
 * request may succeed after `Retry-After`. The cause and the log context go
 * to the log line, never into the answer.
 */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  readonly logMessage: string;
  readonly logContext: Readonly<Record<string, unknown>>;

  constructor(
    detail: string,
    options: {
      retryAfterSeconds: number;
      code?: string;
      cause?: unknown;
      logMessage?: string;
      logContext?: Record<string, unknown>;
    },
  ) {
    super(503, options.code ?? 'service-unavailable', 'Service Unavailable', detail);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.logMessage = options.logMessage ?? 'service unavailable';
    this.logContext = options.logContext ?? {};
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** Problem `type` URI for a stable error code. */
export const problemType = (code: string): string => `urn:problem-type:consular:${code}`;

/**
 * Clear messages for unique constraints whose generic message would puzzle a
 * user, by constraint name (PostgreSQL's `<table>_<columns>_key`).
 */
export const UNIQUE_MESSAGES: Readonly<Record<string, string>> = {
  consulates_code_key: 'A consulate with this code already exists.',
  staff_email_key: 'A staff account with this email already exists.',
  persons_consulate_id_curp_key: 'A person with this CURP is already registered at this consulate.',
};
