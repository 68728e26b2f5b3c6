/**
 * The shared secret between the XMPP side and the slot endpoint. Compared in constant time:
 * both sides are hashed to equal-length digests first, so neither the content nor the length
 * of the secret leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Builds a checker for one secret; the secret's digest is computed once. */
export function secretChecker(secret: string): (candidate: string | undefined) => boolean {
  if (secret.length < 16) throw new Error('the shared secret must have at least 16 characters');
  const expected = digest(secret);
  return (candidate) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | null): string | undefined {
  const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
