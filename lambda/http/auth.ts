/**
 * The shared secret between the XMPP side and the slot endpoint. Compared in constant time:
 * both sides are hashed to equal-length digests first, so neither the content nor the length
 * of the secret leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Builds a checker accepting any of `secrets` (the current and, during a rotation, the previous
 * one); undefined entries are skipped and the digests are computed once. Every secret is compared
 * on every call, so the timing does not tell which one matched either.
 */
export function secretChecker(secrets: readonly (string | undefined)[]): (candidate: string | undefined) => boolean {
  const accepted = secrets.filter((secret): secret is string => secret !== undefined);
  if (accepted.length === 0) throw new Error('no shared secret');
  if (accepted.some((secret) => secret.length < 16)) throw new Error('the shared secret must have at least 16 characters');
  const expected = accepted.map(digest);
  return (candidate) => {
    if (candidate === undefined) return false;
    const given = digest(candidate);
    let matched = false;
    for (const secret of expected) matched = timingSafeEqual(given, secret) || matched;
    return matched;
  };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | null): string | undefined {
  const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
