import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { BoundedMap } from '../lib/bounded-map.ts';

/** The channel the database's triggers notify (see the `change_notifications` migration). */
export const CHANGES_CHANNEL = 'ccm_changes';

export interface ChangeFeedOptions {
  /** A direct connection: LISTEN does not survive a transaction-mode pooler. */
  url: string;
  /**
   * Sends the heartbeat NOTIFY through another connection than the listening
   * one (the service's pool): the feed is trusted only if PostgreSQL delivers
   * what other sessions notify — which a LISTEN made through a transaction-mode
   * pooler never receives, however it was configured.
   */
  notify: (channel: string, payload: string) => Promise<unknown>;
  /** How often the feed proves it still hears the database (a NOTIFY to itself). */
  heartbeatMs?: number;
  log?: (level: 'warn' | 'info', message: string, details?: Record<string, unknown>) => void;
}

type Listener = (key: string) => void;

/**
 * What other replicas changed, as PostgreSQL tells it: triggers on sessions,
 * staff, kiosks, consulates and holidays `pg_notify` a key — `<entity type>:<id>`
 * with the audit log's entity types (`auth_session:<id>`, `staff:<id>`,
 * `kiosk:<id>`, `consulate:<id>`) — when the change commits, and every
 * replica LISTENs. In-memory caches of that state are only used while
 * the feed is `reliable` — connected and hearing its own heartbeat — and
 * are emptied whenever it is not, so a lost connection can cost speed but
 * never serve a revoked session or an old calendar.
 *
 * `epoch` grows with every change heard (and every reconnection): a cache
 * keeps a value read from the database only if no change arrived while it was
 * being read, so a value read just before a revocation is not stored after it.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly resetListeners = new Set<() => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private pending: string | undefined;
  private pendingSince = 0;
  private closed = false;
  private readonly instance = randomUUID();
  private sequence = 0;
  private connected = false;
  private confirmed = false;
  epoch = 0;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Whether caches may answer: connected, listening, and the last heartbeat came back in time. */
  get reliable(): boolean {
    return this.connected && this.confirmed && !this.closed;
  }

  /** A change key arrived (also called for changes this process made itself). */
  onChange(listener: Listener): void {
    this.listeners.add(listener);
  }

  /** The feed stopped being reliable or came back: everything cached must go. */
  onReset(listener: () => void): void {
    this.resetListeners.add(listener);
  }

  /** Applies a change made by this process at once (its own notification follows). */
  publishLocal(key: string): void {
    this.epoch++;
    for (const l of this.listeners) l(key);
  }

  async start(): Promise<void> {
    await this.connect().catch((err: unknown) => {
      this.options.log?.('warn', 'change feed: cannot connect; caches stay off until it does', {
        err: String(err),
      });
      this.scheduleReconnect();
    });
    const every = this.options.heartbeatMs ?? 2000;
    this.heartbeat = setInterval(() => this.beat(every), every);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private reset(): void {
    this.epoch++;
    for (const l of this.resetListeners) l();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'consular-api-changes',
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || message.payload === undefined) return;
      this.received(message.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    this.client = client;
    this.connected = true;
    this.confirmed = false;
    this.reset();
    // Reliable once the first heartbeat comes back through this connection.
    this.beat(this.options.heartbeatMs ?? 2000);
  }

  private received(payload: string): void {
    if (payload.startsWith('ping:')) {
      if (payload === this.pending) {
        this.pending = undefined;
        if (!this.confirmed) {
          this.confirmed = true;
          this.options.log?.('info', 'change feed: listening; caches on');
        }
      }
      return;
    }
    this.epoch++;
    for (const l of this.listeners) l(payload);
  }

  private beat(every: number): void {
    const client = this.client;
    if (!client || !this.connected) return;
    if (this.pending) {
      if (Date.now() - this.pendingSince <= every * 2) return;
      // The last ping did not come back in time: stop trusting the caches, and ask again.
      if (this.confirmed) {
        this.confirmed = false;
        this.reset();
        this.options.log?.('warn', 'change feed: heartbeat lost; caches off');
      }
    }
    this.pending = `ping:${this.instance}:${++this.sequence}`;
    this.pendingSince = Date.now();
    // A failed heartbeat just stays unanswered: the next beat stops trusting the caches.
    this.options.notify(CHANGES_CHANNEL, this.pending).catch(() => undefined);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    this.confirmed = false;
    this.pending = undefined;
    this.reset();
    client.end().catch(() => undefined);
    if (!this.closed) {
      this.options.log?.('warn', 'change feed: connection lost; caches off until it is back');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(delay = 1000): void {
    if (this.closed) return;
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => {
      this.connect().catch(() => this.scheduleReconnect(Math.min(delay * 2, 10_000)));
    }, delay);
    this.reconnect.unref();
  }
}

/**
 * A bounded map whose entries are trusted only while the change feed is
 * reliable; `fill` stores a value read from the database only if no change
 * arrived during the read.
 */
export class FeedCache<V> {
  private readonly entries: BoundedMap<string, { value: V; expires: number }>;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly options: { maxEntries: number; ttlMs: number },
  ) {
    this.entries = new BoundedMap(options.maxEntries);
    feed.onReset(() => this.entries.clear());
  }

  get(key: string): V | undefined {
    if (!this.feed.reliable) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Reads through the cache; `read` runs when the key is absent. */
  async fill(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const epoch = this.feed.epoch;
    const value = await read();
    if (value !== undefined && this.feed.reliable && this.feed.epoch === epoch) {
      this.entries.set(key, { value, expires: Date.now() + this.options.ttlMs });
    }
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(match: (value: V, key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (match(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
