import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where a webhook may be sent, and the sending itself. In production only
 * https, and never to a private, loopback, link-local or otherwise
 * non-public address (SSRF: a subscription must not reach the service's own
 * network) unless the host is on WEBHOOK_ALLOWED_HOSTS. The rule is checked
 * when a subscription is made (literal addresses, `localhost`) and again on
 * every attempt, on the addresses the name resolves to at connection time
 * (so DNS rebinding cannot slip past it). Redirects are never followed.
 */

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface TargetPolicy {
  /** Production: https only, public addresses only (unless allowed). */
  readonly strict: boolean;
  readonly allowedHosts: readonly string[];
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** Why a URL may not be a subscription's target, or null when it may. */
export function refuseTarget(raw: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  if (!policy.strict) return null;
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  const host = bareHost(url.hostname);
  if (policy.allowedHosts.includes(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not target this machine';
  if (isIP(host) && isNonPublicAddress(host)) return 'must not target a private or loopback address';
  return null;
}

export interface AttemptResult {
  /** HTTP status, when an answer came. */
  status: number | null;
  latencyMs: number;
  /** Short, non-personal: `timeout`, `ECONNREFUSED`, `refused target`. */
  error: string | null;
  /** Seconds the receiver asked to wait (429/503 Retry-After). */
  retryAfterSeconds: number | null;
}

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  policy: TargetPolicy;
  signal?: AbortSignal;
}

/** Resolves as usual, then refuses non-public addresses (strict policy, host not allowed). */
function guardedLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => isNonPublicAddress(a.address));
      if (refused) {
        const error = Object.assign(new Error('refused target'), { code: 'ETARGETREFUSED' });
        return callback(error, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** One POST; never throws. */
export function postOnce(o: PostOptions): Promise<AttemptResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(pending.timer);
      o.signal?.removeEventListener('abort', abort);
      resolve({ ...r, latencyMs: took() });
    };
    const pending: { req?: http.ClientRequest; timer?: NodeJS.Timeout } = {};
    const abort = () => {
      pending.req?.destroy();
      done({ status: null, error: 'aborted', retryAfterSeconds: null });
    };
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      return done({ status: null, error: 'invalid url', retryAfterSeconds: null });
    }
    const host = bareHost(url.hostname);
    const checkAddresses = o.policy.strict && !o.policy.allowedHosts.includes(host);
    if (checkAddresses && isIP(host) && isNonPublicAddress(host)) {
      return done({ status: null, error: 'refused target', retryAfterSeconds: null });
    }
    if (o.signal?.aborted) return abort();
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
      ...(checkAddresses ? { lookup: guardedLookup() } : {}),
      agent: false,
    });
    // Listening at once: a request destroyed by the timeout or an abort (also
    // after its answer was settled) emits 'error', and an unheard 'error' would
    // end the process.
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code === 'ETARGETREFUSED' ? 'refused target' : (err.code ?? 'connection error');
      done({ status: null, error: code.slice(0, 100), retryAfterSeconds: null });
    });
    pending.req = req;
    pending.timer = setTimeout(() => {
      req.destroy();
      done({ status: null, error: 'timeout', retryAfterSeconds: null });
    }, o.timeoutMs);
    o.signal?.addEventListener('abort', abort, { once: true });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const retryAfter = Number(res.headers['retry-after']);
      // The answer's body is not kept: read up to 64 KiB of it, then stop.
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 65_536) res.destroy();
      });
      const finish = () =>
        done({
          status,
          error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
          retryAfterSeconds: Number.isInteger(retryAfter) && retryAfter >= 0 ? retryAfter : null,
        });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    req.end(o.body);
  });
}

/** 5xx, 408, 429, timeouts and connection errors are tried again; any other answer is final. */
export function isRetryable(r: AttemptResult): boolean {
  if (r.status === null) return r.error !== 'refused target' && r.error !== 'invalid url';
  return r.status >= 500 || r.status === 408 || r.status === 429;
}
