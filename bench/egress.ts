/**
 * Section 9: what downloads cost, `bucket` mode (S3 straight to the internet) against `cdn` mode
 * (CloudFront, free origin fetches), from AWS list prices and the free tiers, plus what this run
 * measures of `cdn` mode itself: the deployed function's size and the header bytes it adds per
 * download on the local stack. Every price is a named constant with its source, printed into
 * BENCHMARKS.md.
 */
import { request } from 'node:http';
import { MAX_FUNCTION_BYTES, viewerResponseCode } from '../cdn/function-code.ts';
import { PROSODY_SAFE_TYPES } from '../lambda/core/config-downloads.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { note, record, type SectionResult } from './report.ts';

type Tier = readonly [upToGb: number, perGb: number];

/** AWS list prices, us-east-1 / CloudFront North America and Europe (price class 100), on-demand. */
const PRICE = {
  /** https://aws.amazon.com/s3/pricing/ (Data Transfer: out to the internet). */
  s3EgressTiers: [
    [10_240, 0.09],
    [51_200, 0.085],
    [153_600, 0.07],
    [Number.POSITIVE_INFINITY, 0.05],
  ] as readonly Tier[],
  /** Per GET, S3 Standard: $0.0004 per 1,000 requests (same page). */
  s3PerGet: 0.0004 / 1000,
  /** https://aws.amazon.com/cloudfront/pricing/ (United States, Mexico, Canada; Europe, Israel, Türkiye). */
  cloudFrontEgressTiers: [
    [10_240, 0.085],
    [51_200, 0.08],
    [153_600, 0.06],
    [512_000, 0.04],
    [1_048_576, 0.03],
    [5_242_880, 0.025],
    [Number.POSITIVE_INFINITY, 0.02],
  ] as readonly Tier[],
  /** HTTPS requests, same regions: $0.0100 per 10,000. */
  cloudFrontPerRequest: 0.01 / 10_000,
  /** CloudFront Functions: $0.10 per million invocations. */
  functionPerInvocation: 0.1 / 1e6,
} as const;

/** The always-free tiers, per month (same pages). */
const FREE = {
  /** Data transfer out to the internet, aggregated over all AWS services and regions except CloudFront. */
  awsEgressGb: 100,
  cloudFrontEgressGb: 1024,
  cloudFrontRequests: 10_000_000,
  functionInvocations: 2_000_000,
} as const;

/** Assumed average download (an XMPP photo or voice message); requests scale with its inverse. */
const AVERAGE_DOWNLOAD_MIB = 1;
const VOLUMES_GB = [100, 1024, 10_240, 51_200] as const;

function tiered(gb: number, tiers: readonly Tier[]): number {
  let cost = 0;
  let from = 0;
  for (const [upTo, perGb] of tiers) {
    if (gb <= from) break;
    cost += (Math.min(gb, upTo) - from) * perGb;
    from = upTo;
  }
  return cost;
}

/** A month of downloads served by S3 directly. */
export function bucketModeCost(gb: number): number {
  const downloads = (gb * 1024) / AVERAGE_DOWNLOAD_MIB;
  return tiered(Math.max(0, gb - FREE.awsEgressGb), PRICE.s3EgressTiers) + downloads * PRICE.s3PerGet;
}

/**
 * CloudFront Functions run per download with the default purposes: viewer-request (the ephemeral
 * check, docs/downloads.md "Ephemeral uploads") and viewer-response.
 */
const FUNCTIONS_PER_DOWNLOAD = 2;

/** The same through CloudFront; every download counted as a cache miss (an S3 GET), which is the upper bound. */
export function cdnModeCost(gb: number): number {
  const downloads = (gb * 1024) / AVERAGE_DOWNLOAD_MIB;
  return (
    tiered(Math.max(0, gb - FREE.cloudFrontEgressGb), PRICE.cloudFrontEgressTiers) +
    Math.max(0, downloads - FREE.cloudFrontRequests) * PRICE.cloudFrontPerRequest +
    Math.max(0, downloads * FUNCTIONS_PER_DOWNLOAD - FREE.functionInvocations) * PRICE.functionPerInvocation +
    downloads * PRICE.s3PerGet
  );
}

/** Bytes of the response head (status line and headers) a GET of `url` gets. */
function headBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const raw = res.rawHeaders;
      let bytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
      for (let i = 0; i < raw.length; i += 2) bytes += `${raw[i]}: ${raw[i + 1]}\r\n`.length;
      res.resume();
      res.once('end', () => resolve(bytes));
    })
      .once('error', reject)
      .end();
  });
}

async function downloadHeadBytes(stack: LocalStack): Promise<number> {
  const body = new Uint8Array(2048);
  const slot = await fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jid: 'bench@localhost', filename: 'photo.jpg', size: body.byteLength, contentType: 'image/jpeg' }),
  }).then((r) => r.json() as Promise<{ put: { url: string; headers: Record<string, string> }; get: { url: string } }>);
  const put = await fetch(slot.put.url, { method: 'PUT', headers: slot.put.headers, body });
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}`);
  return headBytes(slot.get.url);
}

export async function benchEgress(section: SectionResult): Promise<void> {
  const code = viewerResponseCode(PROSODY_SAFE_TYPES);
  record(section, {
    name: 'viewer-response function, rendered with the default safeTypes',
    value: Buffer.byteLength(code),
    unit: 'bytes',
    digits: 0,
    note: `CloudFront Functions' limit is ${MAX_FUNCTION_BYTES}`,
  });
  const [bucket, cdn] = await Promise.all([startLocalStack(), startLocalStack({ env: { UPLOAD_DOWNLOADS: 'cdn' } })]);
  try {
    const [bucketHead, cdnHead] = await Promise.all([downloadHeadBytes(bucket), downloadHeadBytes(cdn)]);
    record(section, { name: 'response head of a download, bucket mode (local S3)', value: bucketHead, unit: 'bytes', digits: 0 });
    record(section, {
      name: 'response head of a download, cdn mode (local CDN)',
      value: cdnHead,
      unit: 'bytes',
      digits: 0,
      note: `+${cdnHead - bucketHead} bytes: the security headers and Content-Disposition`,
    });
  } finally {
    await Promise.all([bucket.close(), cdn.close()]);
  }
  for (const gb of VOLUMES_GB) {
    const label = gb >= 1024 ? `${gb / 1024} TB` : `${gb} GB`;
    const direct = bucketModeCost(gb);
    const cdnCost = cdnModeCost(gb);
    record(section, { name: `${label} of downloads a month: bucket mode (S3 egress + GETs)`, value: direct, unit: '$/month', digits: 2 });
    record(section, {
      name: `${label} of downloads a month: cdn mode (CloudFront + function + S3 GETs)`,
      value: cdnCost,
      unit: '$/month',
      digits: 2,
      note: direct > 0 ? `${((1 - cdnCost / direct) * 100).toFixed(0)}% less` : '',
    });
  }
  note(
    section,
    `Prices (list, on-demand): S3 internet egress from us-east-1 $${PRICE.s3EgressTiers.map(([, p]) => p).join('/')} per GB (tiers at 10, 50, 150 TB), S3 GET $0.0004 per 1,000 (https://aws.amazon.com/s3/pricing/); CloudFront North America/Europe egress $${PRICE.cloudFrontEgressTiers.map(([, p]) => p).join('/')} per GB (tiers at 10, 50, 150, 500 TB, 1 PB, 5 PB), HTTPS requests $0.0100 per 10,000, CloudFront Functions $0.10 per million, origin fetches from S3 free (https://aws.amazon.com/cloudfront/pricing/). Other CloudFront regions cost more per GB ($0.109–0.120 for the first 10 TB); priceClass PriceClass_100 keeps traffic on North America and Europe edges.`,
  );
  note(
    section,
    `Free tiers, every month: ${FREE.awsEgressGb} GB of internet egress aggregated across all AWS services (used by bucket mode, shared with everything else in the account); CloudFront's own ${FREE.cloudFrontEgressGb} GB, ${FREE.cloudFrontRequests / 1e6} million requests and ${FREE.functionInvocations / 1e6} million function invocations (cdn mode).`,
  );
  note(
    section,
    `Assumptions: an average download of ${AVERAGE_DOWNLOAD_MIB} MiB (so ${1024 / AVERAGE_DOWNLOAD_MIB} downloads per GB); in cdn mode every download is a cache miss and costs an S3 GET too (an upper bound: a file sent to a group is fetched once per edge). Uploads (PUT) go straight to S3 in both modes and cost the same. Response heads are measured on the local stack; CloudFront adds its own (Via, X-Cache, X-Amz-Cf-Pop, X-Amz-Cf-Id), about 200 bytes more.`,
  );
}
