/**
 * Section 1: the CPU cost of one slot in process — parse a XEP-0363 slot IQ, decide it, charge the in-memory
 * quota store, presign the PUT, build the GET, render the reply — with our signer, with the SDK's
 * `getSignedUrl` in its place (everything else identical), and a floor of the irreducible crypto. The three
 * run in interleaved rounds, so each ratio compares neighbours in time.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createMemoryQuotaStore } from '../lambda/adapters/quota-memory.ts';
import { createS3Signer } from '../lambda/adapters/s3-presigner.ts';
import { configFromEnv, parseConfig } from '../lambda/core/config.ts';
import type { UploadSigner } from '../lambda/core/ports.ts';
import { quotaLimits } from '../lambda/core/quota.ts';
import { createSlotService } from '../lambda/core/slot-service.ts';
import { handleStanza } from '../lambda/xmpp/handle-stanza.ts';
import { check, note, record, type SectionResult } from './report.ts';
import { median } from './stats.ts';

const BUCKET = 'bench-bucket';
const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'AKIABENCHBENCHBENCH0', secretAccessKey: 'bench-secret-access-key-0123456789abcdefgh' };
const USERS = 100_000;
const ROUNDS = 9;
const ROUND_MS = 150;

/** The SDK way: an S3 client configured as docs/architecture.md demands, and `getSignedUrl` per slot. */
function sdkSigner(): UploadSigner {
  const client = new S3Client({ region: REGION, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const base = `https://${BUCKET}.s3.${REGION}.amazonaws.com`;
  return {
    async presignPut({ key, sizeBytes, contentType, now }) {
      const command = new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentLength: sizeBytes, ContentType: contentType });
      const url = await getSignedUrl(client, command, {
        expiresIn: 300,
        signingDate: now,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return { url, expiresAt: new Date(now.getTime() + 300_000) };
    },
    publicUrl: (key) => `${base}/${key.split('/').map(encodeURIComponent).join('/')}`,
  };
}

/** The whole stanza path with `signer`; returns one slot per call, for a rotating user. */
function stanzaPath(signer: UploadSigner): (i: number) => Promise<string> {
  const config = parseConfig(configFromEnv({ UPLOAD_DOMAINS: 'localhost' }));
  const quota = createMemoryQuotaStore(quotaLimits(config));
  const requestSlot = createSlotService({ config, quota, signer, now: () => new Date(), newId: randomUUID });
  const ctx = { serviceJid: config.serviceJid, maxFileSizeBytes: config.maxFileSizeBytes, purposes: config.purposes, requestSlot };
  return async (i) => {
    const iq =
      `<iq xmlns='jabber:client' type='get' id='b${i}' from='user${i % USERS}@localhost/phone' to='${config.serviceJid}'>` +
      `<request xmlns='urn:xmpp:http:upload:0' filename='holiday photo ${i}.jpg' size='${123_456 + (i % 100)}' content-type='image/jpeg'/></iq>`;
    const outcome = await handleStanza(iq, ctx);
    if (outcome.kind !== 'reply' || outcome.outcome !== 'slot') throw new Error(`no slot: ${JSON.stringify(outcome)}`);
    return outcome.xml;
  };
}

/**
 * The floor: what any SigV4 query presign must compute per URL once the signing key is cached —
 * one UUID (the key), one SHA-256 of a canonical request of realistic length, one HMAC-SHA256 of the
 * string to sign. It leaves out the 4 HMACs that derive the signing key (once per day and region;
 * both signers cache them), XML parsing, policy, URL encoding and serialisation.
 */
function floorPath(): (i: number) => Promise<string> {
  const date = '20260101';
  const kDate = createHmac('sha256', `AWS4${CREDENTIALS.secretAccessKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(REGION).digest();
  const kService = createHmac('sha256', kRegion).update('s3').digest();
  const signingKey = createHmac('sha256', kService).update('aws4_request').digest();
  const scope = `${date}/${REGION}/s3/aws4_request`;
  return async () => {
    const id = randomUUID();
    const canonical =
      `PUT\n/uploads/${id}/holiday%20photo.jpg\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&` +
      `X-Amz-Credential=${CREDENTIALS.accessKeyId}%2F${date}%2F${REGION}%2Fs3%2Faws4_request&X-Amz-Date=${date}T120000Z&` +
      `X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost\ncontent-length:123456\n` +
      `content-type:image/jpeg\nhost:${BUCKET}.s3.${REGION}.amazonaws.com\n\ncontent-length;content-type;host\nUNSIGNED-PAYLOAD`;
    const hash = createHash('sha256').update(canonical).digest('hex');
    return createHmac('sha256', signingKey).update(`AWS4-HMAC-SHA256\n${date}T120000Z\n${scope}\n${hash}`).digest('hex');
  };
}

/** Runs `op` for about `ms` milliseconds; returns microseconds per call. */
async function round(op: (i: number) => Promise<string>, ms: number, counter: { i: number }): Promise<number> {
  const started = performance.now();
  let calls = 0;
  let elapsed = 0;
  do {
    for (let k = 0; k < 50; k += 1) await op(counter.i++);
    calls += 50;
    elapsed = performance.now() - started;
  } while (elapsed < ms);
  return (elapsed * 1000) / calls;
}

const signedHeaders = (xml: string) => /X-Amz-SignedHeaders=([^&"']+)/.exec(xml)?.[1] ?? '(none)';

/** The parts of our path, each alone, to say where the time goes. */
async function partPaths(
  ourSigner: UploadSigner,
  sdk: UploadSigner,
): Promise<Record<'sign' | 'sdkSign' | 'xml' | 'policy', (i: number) => Promise<string>>> {
  const config = parseConfig(configFromEnv({ UPLOAD_DOMAINS: 'localhost' }));
  const presign = (signer: UploadSigner) => async (i: number) =>
    (
      await signer.presignPut({
        key: `uploads/${randomUUID()}/holiday photo ${i}.jpg`,
        sizeBytes: 123_456,
        contentType: 'image/jpeg',
        now: new Date(),
      })
    ).url;
  // A real slot (full-length presigned URL), so the XML part escapes and serialises what the real path does.
  const key = `uploads/${randomUUID()}/holiday photo.jpg`;
  const real = await ourSigner.presignPut({ key, sizeBytes: 123_456, contentType: 'image/jpeg', now: new Date() });
  const fixed = {
    key,
    sizeBytes: 123_456,
    put: { url: real.url, headers: { 'Content-Length': '123456', 'Content-Type': 'image/jpeg' } },
    get: { url: ourSigner.publicUrl(key) },
    expiresAt: real.expiresAt,
    slotId: key.split('/')[1] ?? '',
    jid: 'alice@localhost',
    contentType: 'image/jpeg',
    grantedAt: new Date(),
    purpose: 'message' as const,
  };
  const stubSigner: UploadSigner = {
    presignPut: async ({ now }) => ({ url: 'https://b/x?y=z', expiresAt: now }),
    publicUrl: (key) => `https://b/${key}`,
  };
  const quota = createMemoryQuotaStore(quotaLimits(config));
  const policy = createSlotService({ config, quota, signer: stubSigner, now: () => new Date(), newId: randomUUID });
  const xmlCtx = {
    serviceJid: config.serviceJid,
    maxFileSizeBytes: config.maxFileSizeBytes,
    purposes: config.purposes,
    requestSlot: async () => fixed,
  };
  return {
    sign: presign(ourSigner),
    sdkSign: presign(sdk),
    xml: async (i) => {
      const iq = `<iq xmlns='jabber:client' type='get' id='b${i}' from='user${i % USERS}@localhost/phone' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='holiday photo ${i}.jpg' size='123456' content-type='image/jpeg'/></iq>`;
      const outcome = await handleStanza(iq, xmlCtx);
      return outcome.kind === 'reply' ? outcome.xml : '';
    },
    policy: async (i) =>
      (
        await policy({
          from: `user${i % USERS}@localhost/phone`,
          filename: `holiday photo ${i}.jpg`,
          size: 123_456,
          contentType: 'image/jpeg',
        })
      ).key,
  };
}

export async function benchSlotCpu(section: SectionResult): Promise<{ oursUs: number }> {
  const ourSigner = createS3Signer({ bucket: BUCKET, region: REGION, credentials: CREDENTIALS, putUrlTtlSeconds: 300 });
  const sdk = sdkSigner();
  const variants = { ours: stanzaPath(ourSigner), sdk: stanzaPath(sdk), floor: floorPath(), ...(await partPaths(ourSigner, sdk)) };
  type Name = keyof typeof variants;
  const names = Object.keys(variants) as Name[];
  // Both must sign the same headers, or the comparison is not like for like.
  const [oursHeaders, sdkHeaders] = [signedHeaders(await variants.ours(0)), signedHeaders(await variants.sdk(0))];
  if (oursHeaders !== sdkHeaders) throw new Error(`signed headers differ: ours ${oursHeaders}, SDK ${sdkHeaders}`);
  const counter = { i: 1 };
  for (const op of Object.values(variants)) await round(op, 300, counter); // warm-up: JIT, signing-key caches
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const ratios = { sdk: [] as number[], floor: [] as number[] };
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    const us = {} as Record<Name, number>;
    for (const name of order) us[name] = await round(variants[name], ROUND_MS, counter);
    for (const name of names) samples[name].push(us[name]);
    ratios.sdk.push(us.sdk / us.ours);
    ratios.floor.push(us.ours / us.floor);
  }
  const m = Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<Name, number>;
  const oursUs = m.ours;
  record(section, { name: 'ours: slot IQ → reply, in-memory quota', value: oursUs, unit: 'µs/slot', digits: 1 });
  record(section, { name: 'baseline: same path, getSignedUrl (S3Client)', value: m.sdk, unit: 'µs/slot', digits: 1 });
  record(section, { name: 'floor: UUID + SHA-256 + HMAC-SHA256', value: m.floor, unit: 'µs/slot', digits: 2 });
  record(section, {
    name: 'part: our presign alone (createS3Signer)',
    value: m.sign,
    unit: 'µs',
    digits: 1,
    note: `${((m.sign / oursUs) * 100).toFixed(0)}% of ours`,
  });
  record(section, {
    name: 'part: parse IQ + build + serialise reply alone (stub slot)',
    value: m.xml,
    unit: 'µs',
    digits: 1,
    note: `${((m.xml / oursUs) * 100).toFixed(0)}% of ours`,
  });
  record(section, {
    name: 'part: policy + memory quota + key + UUID alone (stub signer)',
    value: m.policy,
    unit: 'µs',
    digits: 1,
    note: `${((m.policy / oursUs) * 100).toFixed(0)}% of ours`,
  });
  record(section, { name: 'part: getSignedUrl presign alone', value: m.sdkSign, unit: 'µs', digits: 1 });
  const samples2 = { sdkRatio: ratios.sdk, floorRatio: ratios.floor };
  const sdkRatio = median(samples2.sdkRatio);
  const floorRatio = median(samples2.floorRatio);
  record(section, { name: 'baseline ÷ ours (median of per-round ratios)', value: sdkRatio, unit: '×', digits: 1 });
  record(section, { name: 'ours ÷ floor (median of per-round ratios)', value: floorRatio, unit: '×', digits: 1 });
  check(section, {
    target: 'a slot takes ≤ 1/8 of the CPU of the AWS SDK getSignedUrl path (fewer billed Lambda ms)',
    measured: `${sdkRatio.toFixed(1)}×`,
    pass: sdkRatio >= 8,
    ...(sdkRatio >= 8
      ? {}
      : {
          why: `8× needs ours ≤ ${(m.sdk / 8).toFixed(0)} µs, but our presign alone (@smithy/signature-v4 SignatureV4.presign called directly) takes ${m.sign.toFixed(0)} µs, the XML parse + reply ${m.xml.toFixed(0)} µs, policy + quota ${m.policy.toFixed(0)} µs, and ~${Math.max(0, oursUs - m.sign - m.xml - m.policy).toFixed(0)} µs more when they run together (async hand-offs, the rotating users' quota entries, GC); getSignedUrl alone is ${m.sdkSign.toFixed(0)} µs, so skipping the S3 client's middleware stack saves ${(m.sdkSign / m.sign).toFixed(1)}× on the signature, not 8× on the slot. Closing it: a cheaper signature call (precomputed canonical parts, the signing key and the credential scope cached per day) and a lighter stanza parse/serialise (ltx element trees are the bulk of the XML part).`,
        }),
  });
  check(section, {
    target: "a slot's CPU is within 3× of the crypto it cannot avoid",
    measured: `${floorRatio.toFixed(1)}×`,
    pass: floorRatio <= 3,
    ...(floorRatio <= 3
      ? {}
      : {
          why: `the floor counts only the crypto of one presign (${m.floor.toFixed(1)} µs); our presign alone is ${(m.sign / m.floor).toFixed(0)}× that (SignatureV4 also HMACs the credentials for its key cache, clones the request twice, sorts and URI-escapes query and headers, formats dates, awaits credential and region providers), and the XML part alone is ${(m.xml / m.floor).toFixed(0)}× it. Within 3× is not reachable with the SDK signer and an element-tree XML library; it would take a hand-rolled SigV4 (the project keeps to the SDK signer rather than hand-written crypto) and string-level stanza handling.`,
        }),
  });
  note(
    section,
    `${ROUNDS} interleaved rounds of ~${ROUND_MS} ms per variant after a warm-up; slots for ${USERS} rotating users, so each has a grant or two in the in-memory quota store, as in a real day (with 1,000 users each collected ~50 grants and the store's per-user scan tripled the policy + quota part).`,
  );
  note(
    section,
    `Both signers sign ${oursHeaders} (checked in the run); the baseline S3Client has requestChecksumCalculation WHEN_REQUIRED.`,
  );
  note(
    section,
    'The floor is one randomUUID, one SHA-256 of a ~420-byte canonical request and one HMAC-SHA256 of the string to sign with a cached signing key; the 4 HMACs deriving the key (once per date) are not in it, nor anything outside the signature.',
  );
  return { oursUs };
}
