import { createHmac } from 'node:crypto';
import { z } from 'zod';

/** Thrown when the environment does not describe a runnable service. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const int = (def: number, min = 1, max = 2_147_483_647) => z.coerce.number().int().min(min).max(max).default(def);

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const DOCUMENTATION_TYPES = [
  'passport',
  'consular_id',
  'birth_registration',
  'gender_identity_recognition',
  'notarial_act',
  'legalization',
] as const;
export type DeadlineRule = { resolve: number; information: number };

/** SPEC §2 (Mexico's rules): business days to resolve, and to ask for missing information. */
const DEFAULT_DEADLINES: Record<(typeof DOCUMENTATION_TYPES)[number], DeadlineRule> = {
  passport: { resolve: 10, information: 3 },
  consular_id: { resolve: 10, information: 3 },
  birth_registration: { resolve: 10, information: 3 },
  gender_identity_recognition: { resolve: 10, information: 3 },
  // SRE rules for notarial and legalization services (DOF 22-IV-2016): 30 to resolve, 10 to ask for what is missing.
  notarial_act: { resolve: 30, information: 10 },
  legalization: { resolve: 30, information: 10 },
};

const deadlineRule = z
  .object({ resolve: z.number().int().min(1).max(365), information: z.number().int().min(1).max(365) })
  .strict();

const jsonDeadlines = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be JSON, e.g. {"birth_registration":{"resolve":15,"information":5}}',
      });
      return z.NEVER;
    }
  })
  .pipe(z.partialRecord(z.enum(DOCUMENTATION_TYPES), deadlineRule));

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

/** SPEC §2: hours from intake to the first protection action, by priority. */
const DEFAULT_FIRST_ACTION_HOURS: Record<(typeof PRIORITIES)[number], number> = {
  urgent: 24,
  high: 72,
  normal: 10 * 24,
  low: 30 * 24,
};

const jsonFirstActionHours = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"urgent":12,"high":48}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.partialRecord(
      z.enum(PRIORITIES),
      z
        .number()
        .int()
        .min(1)
        .max(24 * 365),
    ),
  );

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL');

/**
 * Every variable the service reads. No secret has a default: embedded mode
 * (no DATABASE_URL) generates its own before the final config is built.
 */
const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: optionalString,
    PORT: int(3000, 0, 65_535),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: postgresUrl.optional().or(z.literal('').transform(() => undefined)),
    STATS_DATABASE_URL: postgresUrl.optional().or(z.literal('').transform(() => undefined)),
    DATABASE_POOL_MAX: int(10, 1, 500),
    DATABASE_DIRECT_URL: postgresUrl.optional().or(z.literal('').transform(() => undefined)),
    DATABASE_PREPARED_STATEMENTS: optionalString.pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional()),
    DATABASE_CONNECT_TIMEOUT_MS: int(5_000, 100, 60_000),
    DATABASE_POOL_TIMEOUT_MS: int(15_000, 100, 120_000),
    DATABASE_STATEMENT_TIMEOUT_MS: int(5_000, 100, 600_000),
    DATABASE_TRANSACTION_TIMEOUT_MS: int(20_000, 100, 600_000),
    STATS_STATEMENT_TIMEOUT_MS: int(10_000, 100, 600_000),
    READINESS_TIMEOUT_MS: int(2_000, 100, 60_000),
    DATA_DIR: z.string().trim().min(1).default('.data'),
    EMBEDDED_PG_PORT: int(54329, 1024, 65_535),
    JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    ACCESS_TOKEN_TTL_SECONDS: int(900, 30, 86_400),
    REFRESH_TOKEN_TTL_SECONDS: int(30 * 86_400, 60, 365 * 86_400),
    KIOSK_TOKEN_TTL_SECONDS: int(900, 30, 86_400),
    LOGIN_MAX_FAILURES: int(5, 1, 100),
    LOGIN_LOCKOUT_MINUTES: int(15, 1, 24 * 60),
    LOGIN_RATE_LIMIT_PER_ACCOUNT: int(10, 1, 100_000),
    LOGIN_RATE_LIMIT_PER_ADDRESS: int(100, 1, 1_000_000),
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
    KIOSK_STATUS_RATE_LIMIT_PER_MINUTE: int(30, 1, 100_000),
    RATE_LIMIT_PER_STAFF: int(600, 1, 2_147_483_647),
    RATE_LIMIT_PER_KIOSK: int(300, 1, 2_147_483_647),
    RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
    DOCUMENTATION_DEADLINES: optionalString.pipe(jsonDeadlines.optional()),
    PROTECTION_FIRST_ACTION_HOURS: optionalString.pipe(jsonFirstActionHours.optional()),
    REDIS_URL: optionalString.pipe(
      z
        .string()
        .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// URL')
        .optional(),
    ),
    TRUST_PROXY: bool(false),
    // Retention (docs/decisions.md "Retention periods"): days after a record is final. At least
    // 2 days, so nothing anonymised by the job can still be in a stored idempotent answer (24 h).
    RETENTION_DOCUMENTATION_DAYS: int(3_650, 2, 36_500),
    RETENTION_PROTECTION_DAYS: int(3_650, 2, 36_500),
    RETENTION_APPOINTMENT_DAYS: int(730, 2, 36_500),
    RETENTION_PERSON_DAYS: int(3_650, 2, 36_500),
    RETENTION_JOB_ENABLED: bool(true),
    RETENTION_JOB_CHECK_MINUTES: int(60, 1, 24 * 60),
    ANONYMISATION_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    IMPORT_WORKER: bool(true),
    IMPORT_BATCH_LINES: int(1000, 1, 10_000),
    IMPORT_MAX_BYTES: int(1024 * 1024 * 1024, 1024, 2_147_483_647),
    WEBHOOK_DISPATCHER: bool(true),
    WEBHOOK_POLL_INTERVAL_MS: int(1_000, 10, 60_000),
    WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
    WEBHOOK_CONCURRENCY: int(8, 1, 100),
    WEBHOOK_RETRY_BASE_MS: int(5_000, 1, 3_600_000),
    WEBHOOK_RETRY_MAX_MS: int(2 * 3_600_000, 1, 86_400_000),
    WEBHOOK_RETRY_WINDOW_SECONDS: int(86_400, 1, 7 * 86_400),
    WEBHOOK_DISABLE_AFTER_SECONDS: int(86_400, 1, 30 * 86_400),
    WEBHOOK_SECRET_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    WEBHOOK_ALLOWED_HOSTS: optionalString,
    SEED_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
    SEED_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12, 'must be at least 12 characters').optional()),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required when DATABASE_URL is set (only embedded mode generates one)',
      });
    }
    if (env.DATABASE_URL && Boolean(env.SEED_ADMIN_EMAIL) !== Boolean(env.SEED_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.SEED_ADMIN_EMAIL ? 'SEED_ADMIN_PASSWORD' : 'SEED_ADMIN_EMAIL'],
        message: 'SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD are set together or not at all',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** The settings the application runs with, once the database is known. */
export interface AppConfig {
  readonly nodeEnv: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly databaseUrl: string;
  readonly statsDatabaseUrl: string | undefined;
  readonly databasePoolMax: number;
  /** A direct (not pooled) connection to the primary: migrations and change notifications. */
  readonly databaseDirectUrl: string;
  /** Named prepared statements; off behind PgBouncer < 1.21 in transaction mode. */
  readonly databasePreparedStatements: boolean;
  /** Bounds on database calls (milliseconds); see README "When the database fails". */
  readonly databaseTimeouts: {
    /** Opening a connection (both pools). */
    readonly connectMs: number;
    /** Waiting for a free pooled connection (both pools; an interactive transaction's maxWait). */
    readonly poolMs: number;
    /** statement_timeout on the primary. */
    readonly statementMs: number;
    /** An interactive transaction's whole life. */
    readonly transactionMs: number;
    /** statement_timeout on the statistics database. */
    readonly statsStatementMs: number;
    /** Each database's answer to a readiness check. */
    readonly readinessMs: number;
  };
  readonly jwtSecret: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly kioskTokenTtlSeconds: number;
  readonly login: {
    readonly maxFailures: number;
    readonly lockoutMinutes: number;
    readonly rateLimitPerAccount: number;
    readonly rateLimitPerAddress: number;
    readonly rateLimitWindowSeconds: number;
  };
  readonly kioskStatusRateLimitPerMinute: number;
  /** Requests per window on authenticated routes, per staff member and per kiosk. */
  readonly rateLimit: { readonly perStaff: number; readonly perKiosk: number; readonly windowSeconds: number };
  /** Business days per documentation type (defaults overridden by DOCUMENTATION_DEADLINES). */
  readonly documentationDeadlines: Readonly<Record<(typeof DOCUMENTATION_TYPES)[number], DeadlineRule>>;
  /** Hours to the first protection action, by priority (defaults overridden by PROTECTION_FIRST_ACTION_HOURS). */
  readonly protectionFirstActionHours: Readonly<Record<(typeof PRIORITIES)[number], number>>;
  readonly redisUrl: string | undefined;
  /** Imports (`/v1/imports`): whether this replica runs import jobs, lines per batch, upload size limit. */
  readonly imports: { readonly worker: boolean; readonly batchLines: number; readonly maxBytes: number };
  readonly trustProxy: boolean;
  /** Days after a record is final before the daily job anonymises it; the job's schedule; the CURP hash key. */
  readonly retention: {
    readonly documentationDays: number;
    readonly protectionDays: number;
    readonly appointmentDays: number;
    readonly personDays: number;
    readonly jobEnabled: boolean;
    readonly checkMinutes: number;
    /** Key of the CURP hash: ANONYMISATION_KEY, else derived from JWT_SECRET. */
    readonly hashKey: string;
  };
  /** Webhook delivery (README "Webhooks"). */
  readonly webhooks: {
    /** Run the dispatcher in this process (every replica does by default). */
    readonly dispatcher: boolean;
    readonly pollIntervalMs: number;
    /** One attempt's bound, connection to last byte. */
    readonly timeoutMs: number;
    /** Attempts in flight at once per process. */
    readonly concurrency: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    /** A delivery is given up this long after its event. */
    readonly retryWindowSeconds: number;
    /** A subscription failing continuously this long is disabled. */
    readonly disableAfterSeconds: number;
    /** Encrypts the signing secrets at rest (derived from JWT_SECRET when unset). */
    readonly secretKey: string;
    /** Hosts a production subscription may target although private or loopback (lower-cased). */
    readonly allowedHosts: readonly string[];
  };
}

/**
 * Parses the environment once. Throws a ConfigError naming every bad variable.
 */
export function parseEnv(source: NodeJS.ProcessEnv): Readonly<Env> {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}

/**
 * Builds the frozen application config from a parsed environment plus what
 * embedded mode supplies (database URL, generated JWT secret).
 */
export function toAppConfig(
  env: Readonly<Env>,
  resolved: { databaseUrl?: string; jwtSecret?: string; host?: string } = {},
): AppConfig {
  const databaseUrl = resolved.databaseUrl ?? env.DATABASE_URL;
  const jwtSecret = resolved.jwtSecret ?? env.JWT_SECRET;
  const problems: string[] = [];
  if (!databaseUrl) problems.push('DATABASE_URL: is required');
  if (!jwtSecret) problems.push('JWT_SECRET: is required');
  if (!databaseUrl || !jwtSecret) throw new ConfigError(problems);
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    host: env.HOST ?? resolved.host ?? '0.0.0.0',
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    databaseUrl,
    statsDatabaseUrl: env.STATS_DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseDirectUrl: env.DATABASE_DIRECT_URL ?? databaseUrl,
    // Behind a pooler (a separate direct URL) off unless asked for: PgBouncer < 1.21 cannot keep them.
    databasePreparedStatements:
      env.DATABASE_PREPARED_STATEMENTS === undefined
        ? env.DATABASE_DIRECT_URL === undefined || env.DATABASE_DIRECT_URL === databaseUrl
        : ['true', '1', 'yes'].includes(env.DATABASE_PREPARED_STATEMENTS),
    databaseTimeouts: Object.freeze({
      connectMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      poolMs: env.DATABASE_POOL_TIMEOUT_MS,
      statementMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      transactionMs: env.DATABASE_TRANSACTION_TIMEOUT_MS,
      statsStatementMs: env.STATS_STATEMENT_TIMEOUT_MS,
      readinessMs: env.READINESS_TIMEOUT_MS,
    }),
    jwtSecret,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    kioskTokenTtlSeconds: env.KIOSK_TOKEN_TTL_SECONDS,
    login: Object.freeze({
      maxFailures: env.LOGIN_MAX_FAILURES,
      lockoutMinutes: env.LOGIN_LOCKOUT_MINUTES,
      rateLimitPerAccount: env.LOGIN_RATE_LIMIT_PER_ACCOUNT,
      rateLimitPerAddress: env.LOGIN_RATE_LIMIT_PER_ADDRESS,
      rateLimitWindowSeconds: env.LOGIN_RATE_LIMIT_WINDOW_SECONDS,
    }),
    kioskStatusRateLimitPerMinute: env.KIOSK_STATUS_RATE_LIMIT_PER_MINUTE,
    rateLimit: Object.freeze({
      perStaff: env.RATE_LIMIT_PER_STAFF,
      perKiosk: env.RATE_LIMIT_PER_KIOSK,
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
    }),
    documentationDeadlines: Object.freeze({ ...DEFAULT_DEADLINES, ...env.DOCUMENTATION_DEADLINES }),
    protectionFirstActionHours: Object.freeze({ ...DEFAULT_FIRST_ACTION_HOURS, ...env.PROTECTION_FIRST_ACTION_HOURS }),
    redisUrl: env.REDIS_URL,
    imports: Object.freeze({
      worker: env.IMPORT_WORKER,
      batchLines: env.IMPORT_BATCH_LINES,
      maxBytes: env.IMPORT_MAX_BYTES,
    }),
    trustProxy: env.TRUST_PROXY,
    retention: Object.freeze({
      documentationDays: env.RETENTION_DOCUMENTATION_DAYS,
      protectionDays: env.RETENTION_PROTECTION_DAYS,
      appointmentDays: env.RETENTION_APPOINTMENT_DAYS,
      personDays: env.RETENTION_PERSON_DAYS,
      jobEnabled: env.RETENTION_JOB_ENABLED,
      checkMinutes: env.RETENTION_JOB_CHECK_MINUTES,
      hashKey: env.ANONYMISATION_KEY ?? createHmac('sha256', jwtSecret).update('ccm-anonymisation-v1').digest('hex'),
    }),
    webhooks: Object.freeze({
      dispatcher: env.WEBHOOK_DISPATCHER,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      concurrency: env.WEBHOOK_CONCURRENCY,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
      retryWindowSeconds: env.WEBHOOK_RETRY_WINDOW_SECONDS,
      disableAfterSeconds: env.WEBHOOK_DISABLE_AFTER_SECONDS,
      secretKey: env.WEBHOOK_SECRET_KEY ?? `derived-from-jwt-secret:${jwtSecret}`,
      allowedHosts: Object.freeze(
        (env.WEBHOOK_ALLOWED_HOSTS ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      ),
    }),
  });
}
