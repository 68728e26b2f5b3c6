import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore } from '../../lambda/adapters/quota-memory.ts';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import { quotaLimits } from '../../lambda/core/quota.ts';
import { createSlotService } from '../../lambda/core/slot-service.ts';
import { createRoutes } from '../../lambda/http/routes.ts';

/**
 * Adversarial input to the JSON and routing edges: whatever arrives, the answer is a defined
 * status with a JSON error body, never a 500 and never a throw; a slot is granted only for a
 * request the policy accepts, and every granted slot is counted.
 */
const SECRET = 'property-secret-0123456789';
const config = parseConfig({
  domains: ['localhost'],
  maxFileSizeBytes: 10_000,
  dailyQuotaBytes: 50_000,
  allowedTypes: ['image/*', 'text/plain'],
});
const signer = createS3Signer({
  bucket: 'b',
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x'.repeat(40) },
  putUrlTtlSeconds: 300,
});
let counter = 0;
const newId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

function setup() {
  const quota = createMemoryQuotaStore(quotaLimits(config));
  const granted = new Map<string, number>();
  const requestSlot = createSlotService({ config, quota, signer, now: () => new Date('2026-11-22T12:00:00Z'), newId });
  const routes = createRoutes({
    config,
    secret: SECRET,
    requestSlot: async (raw) => {
      const slot = await requestSlot(raw);
      const jid = String(raw.from).split('/')[0]?.toLowerCase() ?? '';
      granted.set(jid, (granted.get(jid) ?? 0) + slot.sizeBytes);
      return slot;
    },
    now: () => new Date('2026-11-22T12:00:00Z'),
  });
  return { routes, quota, granted };
}

const DEFINED = new Set([201, 400, 403, 413, 415, 429]);

const jsonValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('-1', '10000000000', '1e3', '0x10', ' 5', '..', '.', 'a/b', 'a\\b', 'a\u0000b', '\u202egnp.exe', '💥'.repeat(200)),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

const slotLike = fc.record(
  {
    jid: fc.oneof(
      fc.constantFrom('alice@localhost', 'bob@localhost/res', 'eve@evil.example', 'localhost', '@localhost', 'a@b@c', ''),
      fc.string(),
    ),
    filename: jsonValue,
    size: fc.oneof(fc.nat(20_000), jsonValue),
    contentType: fc.oneof(
      fc.constantFrom('image/png', 'text/plain; charset=utf-8', 'application/zip', '', 'image', 'text/plain\r\nX: y'),
      jsonValue,
    ),
  },
  { requiredKeys: [] },
);

async function post(routes: (r: Request) => Promise<Response>, body: string): Promise<Response> {
  return routes(
    new Request('http://x/v1/slots', {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body,
    }),
  );
}

describe('POST /v1/slots under adversarial JSON', () => {
  it('answers slot-shaped objects with a defined status, counting every grant (5,000 runs)', async () => {
    const { routes, quota, granted } = setup();
    await fc.assert(
      fc.asyncProperty(slotLike, async (body) => {
        const response = await post(routes, JSON.stringify(body));
        expect(DEFINED.has(response.status)).toBe(true);
        const parsed = await response.json();
        if (response.status === 201) expect(parsed.put.url).toMatch(/^https:\/\/b\.s3\.eu-west-1\.amazonaws\.com\/uploads\//);
        else expect(typeof parsed.error.text).toBe('string');
      }),
      // Random bodies are granted about 3 times in 5,000, so none was in a few % of runs: one grantable example first.
      { numRuns: 5_000, examples: [[{ jid: 'alice@localhost/res', filename: 'a.png', size: 10, contentType: 'image/png' }]] },
    );
    expect(granted.size).toBeGreaterThan(0);
    for (const [jid, bytes] of granted) {
      expect((await quota.usage(jid, new Date('2026-11-22T12:00:00Z'))).dailyUsedBytes, jid).toBe(bytes);
    }
  });

  it('answers arbitrary text bodies with 400 or a defined status (5,000 runs)', async () => {
    const { routes } = setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), async (body) => {
        const response = await post(routes, body);
        expect(DEFINED.has(response.status)).toBe(true);
        await response.json();
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('routing under adversarial paths, queries, methods and headers', () => {
  it('never answers 500 (5,000 runs)', async () => {
    const { routes } = setup();
    const segment = fc.oneof(fc.constantFrom('xmpp', 'v1', 'slots', 'info', 'healthz', SECRET, '%', '%zz', '..', ''), fc.webSegment());
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 4 }),
        fc.webQueryParameters(),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
        fc.constantFrom(undefined, `Bearer ${SECRET}`, 'Bearer', 'Bearer  x', `bearer ${SECRET}`, 'Basic abc'),
        fc.constantFrom(undefined, 'application/json', 'application/xmpp+xml', 'text/xml; charset=utf-8', 'x'),
        async (segments, query, method, authorization, contentType) => {
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          if (contentType !== undefined) headers['content-type'] = contentType;
          const hasBody = method !== 'GET' && method !== 'HEAD';
          const request = new Request(`http://x/${segments.join('/')}?${query}`, { method, headers, ...(hasBody ? { body: '{}' } : {}) });
          const response = await routes(request);
          expect(response.status).toBeLessThan(500);
          expect(response.status).toBeGreaterThanOrEqual(200);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
