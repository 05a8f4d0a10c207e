import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, toAppConfig } from '../src/config/env.ts';

const SECRET = 'x'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has defaults for everything but secrets', () => {
    const config = toAppConfig(parseEnv({ DATABASE_URL: 'postgresql://u@h/db', JWT_SECRET: SECRET }));
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      accessTokenTtlSeconds: 900,
      login: { maxFailures: 5, lockoutMinutes: 15, rateLimitPerAccount: 10, rateLimitPerAddress: 100 },
      redisUrl: undefined,
    });
  });

  it('requires JWT_SECRET outside embedded mode, and says so by name', () => {
    expect(problems({ DATABASE_URL: 'postgresql://u@h/db' })).toEqual([
      'JWT_SECRET: is required when DATABASE_URL is set (only embedded mode generates one)',
    ]);
    // Embedded mode (no DATABASE_URL) may leave it out: a secret is generated.
    expect(() => parseEnv({})).not.toThrow();
  });

  it('names every bad variable at once', () => {
    const found = problems({
      DATABASE_URL: 'mysql://nope',
      JWT_SECRET: 'short',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'http://x',
      TRUST_PROXY: 'maybe',
    });
    const names = found.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'TRUST_PROXY']);
  });

  it('wants both seed-admin variables or neither against a real database', () => {
    expect(
      problems({ DATABASE_URL: 'postgresql://u@h/db', JWT_SECRET: SECRET, SEED_ADMIN_EMAIL: 'a@b.org' })[0],
    ).toMatch(/^SEED_ADMIN_PASSWORD:/);
  });

  it('is frozen', () => {
    const config = toAppConfig(parseEnv({ DATABASE_URL: 'postgresql://u@h/db', JWT_SECRET: SECRET }));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.login)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('takes deadline rules as JSON merged over the defaults, and names the variable when they are wrong', () => {
    const config = toAppConfig(
      parseEnv({
        DATABASE_URL: 'postgresql://u@h/db',
        JWT_SECRET: SECRET,
        DOCUMENTATION_DEADLINES: '{"birth_registration":{"resolve":15,"information":5}}',
        PROTECTION_FIRST_ACTION_HOURS: '{"urgent":12}',
      }),
    );
    expect(config.documentationDeadlines.birth_registration).toEqual({ resolve: 15, information: 5 });
    expect(config.documentationDeadlines.passport).toEqual({ resolve: 10, information: 3 });
    expect(config.protectionFirstActionHours).toEqual({ urgent: 12, high: 72, normal: 240, low: 720 });
    expect(
      problems({ DATABASE_URL: 'postgresql://u@h/db', JWT_SECRET: SECRET, DOCUMENTATION_DEADLINES: '{oops' })[0],
    ).toMatch(/^DOCUMENTATION_DEADLINES: must be JSON/);
    expect(
      problems({
        DATABASE_URL: 'postgresql://u@h/db',
        JWT_SECRET: SECRET,
        PROTECTION_FIRST_ACTION_HOURS: '{"urgent":0}',
      })[0],
    ).toMatch(/^PROTECTION_FIRST_ACTION_HOURS/);
  });

  it('behind a pooler (a separate direct URL) turns prepared statements off unless told otherwise', () => {
    const env = { DATABASE_URL: 'postgresql://u@bouncer:6432/db', JWT_SECRET: SECRET };
    const direct = toAppConfig(parseEnv(env));
    expect(direct).toMatchObject({ databaseDirectUrl: env.DATABASE_URL, databasePreparedStatements: true });
    const pooled = toAppConfig(parseEnv({ ...env, DATABASE_DIRECT_URL: 'postgresql://u@db:5432/db' }));
    expect(pooled).toMatchObject({ databaseDirectUrl: 'postgresql://u@db:5432/db', databasePreparedStatements: false });
    const asked = toAppConfig(
      parseEnv({ ...env, DATABASE_DIRECT_URL: 'postgresql://u@db:5432/db', DATABASE_PREPARED_STATEMENTS: 'true' }),
    );
    expect(asked.databasePreparedStatements).toBe(true);
    // Empty values, as .env.example has them, mean "the default".
    expect(toAppConfig(parseEnv({ ...env, DATABASE_DIRECT_URL: '', DATABASE_PREPARED_STATEMENTS: '' }))).toMatchObject({
      databaseDirectUrl: env.DATABASE_URL,
      databasePreparedStatements: true,
    });
    expect(problems({ ...env, DATABASE_PREPARED_STATEMENTS: 'maybe' })[0]).toMatch(/^DATABASE_PREPARED_STATEMENTS/);
    expect(problems({ ...env, DATABASE_DIRECT_URL: 'mysql://x' })[0]).toMatch(/^DATABASE_DIRECT_URL/);
  });
});
