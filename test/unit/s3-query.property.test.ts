import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import { checkFilename } from '../../lambda/core/slot-request.ts';
import { authenticate } from '../../local/s3-auth.ts';
import { S3Failure } from '../../local/s3-errors.ts';
import { parseS3Request, type S3Request } from '../../local/s3-request.ts';

/**
 * The strict local S3's query parsing and signature check under adversarial URLs: every input
 * is either accepted or refused with an S3 error, never a crash; and a URL is accepted as signed
 * only when it means exactly what was signed (same raw path, same decoded query).
 */
const credentials = { accessKeyId: 'AKIAPROPERTYTEST', secretAccessKey: 'property-test-secret-access-key-000000' };
const NOW = new Date('2026-11-22T12:00:00Z');
const options = { credentials, region: 'us-east-1', now: () => NOW };
const signer = createS3Signer({ bucket: 'b', region: 'us-east-1', credentials, putUrlTtlSeconds: 300, endpoint: 'http://127.0.0.1:9000' });

function request(url: string, headers: Record<string, string>): S3Request {
  const headersDistinct = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  return parseS3Request({ url, method: 'PUT', headersDistinct } as unknown as IncomingMessage);
}

async function outcome(url: string, headers: Record<string, string>): Promise<{ kind: string; request?: S3Request }> {
  try {
    const parsed = request(url, headers);
    return { kind: (await authenticate(parsed, options)).kind, request: parsed };
  } catch (error) {
    if (error instanceof S3Failure) return { kind: 'refused' };
    throw error;
  }
}

const meaning = (r: S3Request) => ({ path: r.rawPath, query: r.query.map((p) => `${p.name}=${p.value}`).sort() });

/** Filenames the slot policy accepts (it refuses `.`, `..`, `/`, control characters). */
const isAccepted = (name: string): boolean => {
  try {
    return checkFilename(name) === name;
  } catch {
    return false;
  }
};
const filename = fc
  .oneof(fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }), fc.constantFrom('a b+c.txt', 'ü#?.png', "it's (1)*!.txt"))
  .filter(isAccepted);
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    char: fc.constantFrom('%', '&', '=', '+', '/', '%2F', '%25', 'a', '0', '?', '#', ' '),
  }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('reencode' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);

interface Mutation {
  readonly kind: 'replace' | 'drop' | 'reencode' | 'duplicate';
  readonly at: number;
  readonly char?: string;
}

function mutate(url: string, m: Mutation): string {
  const [base = '', query = ''] = url.split('?');
  const params = query.split('&');
  const i = m.at % Math.max(1, url.length);
  switch (m.kind) {
    case 'replace':
      return url.slice(0, i) + (m.char ?? '') + url.slice(i + 1);
    case 'drop':
      return `${base}?${params.filter((_, j) => j !== m.at % params.length).join('&')}`;
    case 'duplicate':
      return `${base}?${[...params, params[m.at % params.length]].join('&')}`;
    default:
      // What some HTTP clients do: decode %2F in the query back to "/".
      return `${base}?${query.replace(/%2F/g, '/')}`;
  }
}

describe('strict S3 query parsing and authentication', () => {
  it('accepts only URLs that mean what was signed (10,000 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(filename, fc.nat(5_000), fc.array(mutation, { minLength: 0, maxLength: 3 }), async (name, size, mutations) => {
        const key = `uploads/0f8fad5b-d9cb-469f-a165-70867728950e/${name}`;
        const { url } = await signer.presignPut({ key, sizeBytes: size, contentType: 'text/plain', now: NOW });
        const pathAndQuery = url.slice('http://127.0.0.1:9000'.length);
        const headers = { host: '127.0.0.1:9000', 'content-length': String(size), 'content-type': 'text/plain' };
        const original = await outcome(pathAndQuery, headers);
        expect(original.kind).toBe('signed');

        const mutated = mutations.reduce(mutate, pathAndQuery);
        const result = await outcome(mutated, headers);

        expect(['signed', 'anonymous', 'refused']).toContain(result.kind);
        if (result.kind === 'signed' && original.request && result.request) {
          expect(meaning(result.request)).toEqual(meaning(original.request));
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
