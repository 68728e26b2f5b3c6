/**
 * The local stack: the same routes as the Lambda, on 127.0.0.1, against strict embedded S3
 * (s3rver behind a SigV4 verifier) and embedded DynamoDB (dynalite). Used by `npm start`, by
 * the integration and end-to-end tests, and by the benchmarks. With {@link LocalStackOptions.s3}
 * it signs for an external S3 instead (the tests use Ceph RGW), credentials and all.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_S3_CREDENTIALS } from '../bin/cli-common.ts';
import { type SlotServiceWiring, wireSlotService } from '../lambda/adapters/wire-slot-service.ts';
import { configFromEnv, parseConfig, type ServiceConfig } from '../lambda/core/config.ts';
import { expiringRetentions } from '../lambda/core/purposes.ts';
import { requestLine } from '../lambda/http/emf.ts';
import { createRoutes, type RequestRecord } from '../lambda/http/routes.ts';
import { startLocalCdn } from './cdn.ts';
import { LOCAL_DYNAMO_CREDENTIALS, startDynamo } from './dynamo.ts';
import { startStrictS3 } from './s3-strict.ts';
import { serveRoutes } from './serve-routes.ts';

export const LOCAL_BUCKET = 'xmpp-s3-upload-local';
export const LOCAL_TABLE = 'xmpp-s3-upload-quota';
export const LOCAL_REGION = 'us-east-1';
/** The only key the strict local S3 accepts: a signature made with anything else is refused. */
export { LOCAL_S3_CREDENTIALS };

/** An S3 the local stack signs PUT URLs for instead of starting its strict embedded one. */
export interface ExternalS3 {
  /** Path-style endpoint, `http://127.0.0.1:7480`: URLs are `<endpoint>/<bucket>/<key>`. */
  readonly endpoint: string;
  /** Must exist, configured as the stack configures its bucket (public read under the key prefix, CORS). */
  readonly bucket: string;
  readonly region: string;
  /** Static keys, or temporary ones with a session token (which the PUT URLs then carry), or a provider. */
  readonly credentials: SlotServiceWiring['s3Credentials'];
}

export interface LocalStackOptions {
  /** Slot endpoint port; 0 or absent: ephemeral. */
  readonly port?: number;
  /**
   * `UPLOAD_*` variables; `UPLOAD_DOMAINS` defaults to `localhost`, `UPLOAD_SECRET` to a random one;
   * `UPLOAD_PREVIOUS_SECRET`, when set, is accepted too (the local side of a rotation).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Keeps S3 objects and the quota table here across restarts; a temporary folder when absent. */
  readonly dataDir?: string;
  readonly log?: (record: RequestRecord) => void;
  /**
   * Appends each request's log line, exactly as the Lambda writes it to CloudWatch Logs, to this
   * file: the local ledger the `files` commands read (`npm start`: `.local-data/requests.log`).
   */
  readonly requestLogFile?: string;
  /** The clock of the slot service, the S3 verifier and the local CDN's functions (tests move it). */
  readonly now?: () => Date;
  /** false: the local S3 refuses anonymous GETs, as an account with S3 Block Public Access does. @default true; always false in `cdn` mode */
  readonly publicRead?: boolean;
  /** Sign for this S3 instead of the strict embedded one (which then is not started). */
  readonly s3?: ExternalS3;
}

export interface LocalStack {
  /** The slot endpoint, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly secret: string;
  readonly config: ServiceConfig;
  /** The S3 endpoint (strict embedded or external); objects live at `<s3Endpoint>/<bucket>/<key>`. */
  readonly s3Endpoint: string;
  readonly bucket: string;
  /** `cdn` mode (`UPLOAD_DOWNLOADS=cdn`): the local CDN that serves the GET URLs; the bucket then refuses anonymous reads. */
  readonly cdnEndpoint: string | undefined;
  readonly dynamoEndpoint: string;
  /** The base of GET URLs (`<base>/<key>`): the local CDN in `cdn` mode, else the bucket's path-style URL. */
  readonly downloadBaseUrl: string;
  /** The S3 region the PUT URLs are signed for. */
  readonly region: string;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env: Readonly<Record<string, string | undefined>> = { UPLOAD_DOMAINS: 'localhost', ...options.env };
  const config = parseConfig(configFromEnv(env));
  const secret = env.UPLOAD_SECRET ?? randomBytes(24).toString('base64url');
  const now = options.now ?? (() => new Date());
  const temporary = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'xmpp-s3-upload-')) : undefined;
  const dataDir = options.dataDir ?? (temporary as string);
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  };
  try {
    // cdn mode: the bucket is private (all of Block Public Access on); only the local CDN reads, signed.
    const publicRead = config.downloads === 'cdn' ? false : options.publicRead;
    const s3 = options.s3 ?? (await startEmbeddedS3(join(dataDir, 's3'), config, now, closers, publicRead));
    const cdn =
      config.downloads === 'cdn'
        ? await startLocalCdn({
            s3Endpoint: s3.endpoint,
            bucket: s3.bucket,
            region: s3.region,
            credentials: s3.credentials,
            keyPrefix: config.keyPrefix,
            safeTypes: config.safeTypes,
            corsOrigins: config.corsOrigins,
            purposes: config.purposes,
            now,
          })
        : undefined;
    if (cdn !== undefined) closers.push(cdn.close);
    const dynamo = await startDynamo({
      tableName: LOCAL_TABLE,
      ...(options.dataDir === undefined ? {} : { dataDir: join(dataDir, 'dynamo') }),
    });
    closers.push(dynamo.close);
    const wired = wireSlotService({
      config,
      region: s3.region,
      bucket: s3.bucket,
      tableName: LOCAL_TABLE,
      s3Credentials: s3.credentials,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      dynamoCredentials: LOCAL_DYNAMO_CREDENTIALS,
      ...(cdn === undefined ? {} : { cdnUrl: cdn.url }),
      now,
    });
    const previousSecret = env.UPLOAD_PREVIOUS_SECRET === '' ? undefined : env.UPLOAD_PREVIOUS_SECRET;
    const { log, requestLogFile } = options;
    const routes = createRoutes({
      config,
      secret,
      previousSecret,
      requestSlot: wired.requestSlot,
      now,
      ...(log === undefined && requestLogFile === undefined
        ? {}
        : {
            log: (record: RequestRecord) => {
              if (requestLogFile !== undefined) appendFileSync(requestLogFile, `${requestLine(record, 'local', now())}\n`);
              log?.(record);
            },
          }),
    });
    const served = await serveRoutes(routes, options.port ?? 0);
    closers.push(served.close);
    return {
      endpoint: served.url,
      secret,
      config,
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
      cdnEndpoint: cdn?.url,
      dynamoEndpoint: dynamo.endpoint,
      downloadBaseUrl: wired.downloadBaseUrl,
      region: s3.region,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The strict embedded S3 with the local bucket and key; its close joins `closers`. */
async function startEmbeddedS3(
  dataDir: string,
  config: ServiceConfig,
  now: () => Date,
  closers: (() => Promise<void>)[],
  publicRead: boolean | undefined,
): Promise<ExternalS3> {
  const s3 = await startStrictS3({
    dataDir,
    bucket: LOCAL_BUCKET,
    keyPrefix: config.keyPrefix,
    corsOrigins: [...config.corsOrigins],
    ...(publicRead === undefined ? {} : { publicRead }),
    credentials: LOCAL_S3_CREDENTIALS,
    region: LOCAL_REGION,
    now,
    // The rules the construct writes (lib/defaults.ts lifecycleRules), one per expiring purpose prefix.
    lifecycle: expiringRetentions(config).map(({ prefix, expireAfterDays }) => ({ prefix, expireAfterDays })),
  });
  closers.push(s3.close);
  return { endpoint: s3.endpoint, bucket: LOCAL_BUCKET, region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS };
}
