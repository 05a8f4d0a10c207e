/**
 * The floor: a minimal Fastify + `pg` server on the project's database that
 * answers the same rows (and makes the same writes) as the measured
 * endpoints with one prepared statement each — no auth, no validation, no
 * business rules. `bench/api.ts` starts it in its own process:
 * `node --import tsx bench/floor-server.ts` with DATABASE_URL and PORT.
 * What the project costs above this is the price of its behaviour.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_MAX ?? 10),
  application_name: 'bench-floor',
});
// PgBouncer in transaction mode (before 1.21) cannot keep named statements.
const named = process.env.FLOOR_UNNAMED !== '1';
const q = (name: string, text: string, values: unknown[]) => (named ? { name, text, values } : { text, values });

const REQUEST_COLUMNS = `r.id, r.reference, r.consulate_id, r.person_id, r.type, r.details, r.state,
  r.potential_duplicate, r.fee_pending, r.emergency, r.fee_cents, r.paid_cents, r.assigned_to_id,
  r.submitted_at, r.resolved_at, r.issued_at, r.due_at, r.deadline_days, r.info_deadline_days,
  r.version, r.created_at, r.updated_at, p.given_names, p.first_surname, p.second_surname`;

const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/floor/documentation-requests/:id', async (request, reply) => {
  const { rows } = await pool.query(
    q(
      'floor_doc',
      `SELECT ${REQUEST_COLUMNS} FROM documentation_requests r JOIN persons p ON p.id = r.person_id WHERE r.id = $1`,
      [request.params.id],
    ),
  );
  if (!rows[0]) return reply.code(404).send({ status: 404 });
  return rows[0];
});

app.get<{ Params: { id: string } }>('/floor/staff/:id', async (request) => {
  const { rows } = await pool.query(
    q(
      'floor_staff',
      'SELECT id, email, full_name, role, consulate_id, active, created_at, updated_at FROM staff WHERE id = $1',
      [request.params.id],
    ),
  );
  return rows[0];
});

app.get<{ Params: { consulateId: string } }>(
  '/floor/consulates/:consulateId/documentation-requests',
  async (request) => {
    const { rows } = await pool.query(
      q(
        'floor_list',
        `SELECT ${REQUEST_COLUMNS} FROM documentation_requests r JOIN persons p ON p.id = r.person_id
       WHERE r.consulate_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 51`,
        [request.params.consulateId],
      ),
    );
    return { data: rows.slice(0, 50), nextCursor: rows.length > 50 ? 'more' : null };
  },
);

let serial = 0;
const prefix = randomBytes(3).toString('hex').toUpperCase();

/** The request row and its audit row, in one transaction. */
app.post<{ Body: { consulateId: string; personId: string; actorId: string } }>(
  '/floor/documentation-requests',
  async (request, reply) => {
    const { consulateId, personId, actorId } = request.body;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        q(
          'floor_create',
          `INSERT INTO documentation_requests (reference, consulate_id, person_id, type, details, deadline_days,
             info_deadline_days, due_at, fee_cents, updated_at)
           VALUES ($1, $2, $3, 'passport', $4, 10, 3, now() + interval '14 days', 0, now())
           RETURNING id, reference, consulate_id, person_id, type, details, state, submitted_at, due_at, version,
             created_at, updated_at`,
          [`F${prefix}-${++serial}`, consulateId, personId, { application: 'first', validityYears: 10 }],
        ),
      );
      await client.query(
        q(
          'floor_audit',
          `INSERT INTO audit_events (actor_type, actor_id, actor_role, consulate_id, action, entity_type, entity_id,
             changed_fields, details, request_id)
           VALUES ('staff', $1, 'documentation_officer', $2, 'documentation_request.create', 'documentation_request',
             $3, ARRAY['personId','type','details'], '{"type":"passport"}', $4)`,
          [actorId, consulateId, rows[0].id, request.id],
        ),
      );
      await client.query('COMMIT');
      return reply.code(201).send(rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  },
);

/** A conditional upsert of the slot counter and the appointment row, in one transaction. */
app.post<{ Body: { consulateId: string; personId: string; startsAt: string; capacity: number } }>(
  '/floor/appointments',
  async (request, reply) => {
    const { consulateId, personId, startsAt, capacity } = request.body;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const taken = await client.query(
        q(
          'floor_slot',
          `INSERT INTO appointment_slots (consulate_id, service, starts_at, booked) VALUES ($1, 'passport', $2, 1)
           ON CONFLICT (consulate_id, service, starts_at) WHERE mobile_visit_id IS NULL
           DO UPDATE SET booked = appointment_slots.booked + 1 WHERE appointment_slots.booked < $3
           RETURNING booked`,
          [consulateId, startsAt, capacity],
        ),
      );
      if (taken.rowCount === 0) {
        await client.query('ROLLBACK');
        return reply.code(409).send({ status: 409, type: 'slot-full' });
      }
      const code = Array.from(randomBytes(8), (b) => 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'[b % 31]).join('');
      const { rows } = await client.query(
        q(
          'floor_appointment',
          `INSERT INTO appointments (consulate_id, person_id, service, starts_at, ends_at, local_date, time_zone,
             confirmation_code, updated_at)
           VALUES ($1, $2, 'passport', $3, $3::timestamptz + interval '30 minutes', ($3::timestamptz)::date,
             'America/Los_Angeles', $4, now())
           RETURNING id, confirmation_code, starts_at, state`,
          [consulateId, personId, startsAt, code],
        ),
      );
      await client.query('COMMIT');
      return reply.code(201).send(rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The person already holds that day: a refusal like the project's.
      if ((err as { code?: string }).code === '23505') return reply.code(409).send({ status: 409 });
      throw err;
    } finally {
      client.release();
    }
  },
);

app.get<{ Params: { consulateId: string }; Querystring: { date: string } }>(
  '/floor/consulates/:consulateId/board',
  async (request) => {
    const { rows } = await pool.query(
      q(
        'floor_board',
        `SELECT service, code, state, counter, called_at FROM queue_tickets
         WHERE consulate_id = $1 AND local_date = $2 AND state IN ('waiting', 'called') ORDER BY service, number`,
        [request.params.consulateId, request.query.date],
      ),
    );
    return { services: rows };
  },
);

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`floor listening ${JSON.stringify(app.server.address())}\n`);
const stop = () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
