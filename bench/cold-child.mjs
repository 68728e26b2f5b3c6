/**
 * One cold start, in a fresh `node` process (spawned by bench/cold-start.ts): import a bundled slot handler,
 * answer one `POST /v1/slots` Function URL event, then `warm` more. Times are read from
 * `performance.now()`, whose origin is this process's start, so the cold figure includes Node's own boot.
 * Plain JavaScript on purpose: no loader (tsx) may add to the cold start it measures.
 *
 * Usage: node bench/cold-child.mjs <bundle.mjs> <secret> <run-id> <warm>
 */
import { pathToFileURL } from 'node:url';

const [bundle, secret, runId, warmText] = process.argv.slice(2);
const warm = Number(warmText ?? 0);

const event = (i) => ({
  version: '2.0',
  rawPath: '/v1/slots',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, host: 'bench.lambda-url.eu-central-1.on.aws' },
  body: JSON.stringify({ jid: `cold${runId}-${i}@localhost/phone`, filename: 'photo.jpg', size: 123456, contentType: 'image/jpeg' }),
  isBase64Encoded: false,
  requestContext: { domainName: 'bench.lambda-url.eu-central-1.on.aws', http: { method: 'POST', path: '/v1/slots' } },
});

// BENCH_PRELOAD_UNDICI=1 loads Node's fetch implementation before the clock starts (a diagnostic).
if (process.env.BENCH_PRELOAD_UNDICI === '1') await new Request('http://127.0.0.1/', { method: 'POST', body: '{}' }).text();
const bootMs = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const importedMs = performance.now();
const first = await handler(event(0));
const firstMs = performance.now();
const warmMs = [];
let failures = first.statusCode === 201 ? 0 : 1;
for (let i = 1; i <= warm; i += 1) {
  const started = performance.now();
  const result = await handler(event(i));
  warmMs.push(performance.now() - started);
  if (result.statusCode !== 201) failures += 1;
}
warmMs.sort((a, b) => a - b);
const result = {
  bootMs,
  importMs: importedMs - bootMs,
  coldMs: firstMs,
  firstStatus: first.statusCode,
  firstBody: first.statusCode === 201 ? undefined : first.body,
  warmMedianMs: warmMs.length === 0 ? null : warmMs[Math.floor(warmMs.length / 2)],
  failures,
};
// The handler logs to stdout too (EMF lines); the parent looks for this marker.
process.stdout.write(`\nBENCH-RESULT ${JSON.stringify(result)}\n`);
