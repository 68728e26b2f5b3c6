/**
 * Lifecycle expiration in the strict local S3, on the movable clock: an object under a rule's
 * prefix is deleted when a GET or HEAD meets it past its expiry, so tests see each purpose's
 * retention without waiting days. S3's rule (User Guide, "Lifecycle configuration elements":
 * expiration): creation time plus the rule's days, rounded up to the next midnight UTC. Real S3
 * removes objects asynchronously after that moment, so an expired object may still be read
 * there for a while; here it is gone at once (the earliest S3 may delete it).
 */
import { request as httpRequest } from 'node:http';
import { DAY_MS } from '../lambda/core/quota-window.ts';

/** One expiration rule, as the construct writes it (lambda/core/purposes.ts `expiringRetentions`). */
export interface ExpirationRule {
  readonly prefix: string;
  readonly expireAfterDays: number;
}

/** When S3 lifecycle makes an object created at `created` eligible for expiration. */
export function expirationTime(created: Date, expireAfterDays: number): Date {
  const due = created.getTime() + expireAfterDays * DAY_MS;
  return new Date(Math.ceil(due / DAY_MS) * DAY_MS);
}

function upstream(port: number, method: 'HEAD' | 'DELETE', path: string): Promise<{ status: number; lastModified?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      const lastModified = res.headers['last-modified'];
      resolve({ status: res.statusCode ?? 502, ...(lastModified === undefined ? {} : { lastModified }) });
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * Deletes the object at `path` (s3rver's path for `key`) if a rule's expiry has passed at `now`.
 * @returns whether it was deleted.
 */
export async function expireIfDue(options: {
  readonly key: string;
  readonly path: string;
  readonly upstreamPort: number;
  readonly rules: readonly ExpirationRule[];
  readonly now: Date;
}): Promise<boolean> {
  const rule = options.rules.find((r) => options.key.startsWith(r.prefix));
  if (rule === undefined) return false;
  const head = await upstream(options.upstreamPort, 'HEAD', options.path);
  if (head.status !== 200 || head.lastModified === undefined) return false;
  if (options.now < expirationTime(new Date(head.lastModified), rule.expireAfterDays)) return false;
  await upstream(options.upstreamPort, 'DELETE', options.path);
  return true;
}
