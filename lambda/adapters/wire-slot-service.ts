/**
 * Composes the slot service from its adapters: the S3 presigner and the DynamoDB quota
 * store. The Lambda entry and the local stack both call this, so they differ only in
 * endpoints and credentials.
 */

import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ServiceConfig } from '../core/config.ts';
import { bucketBaseUrl, downloadBaseUrl } from '../core/config-downloads.ts';
import type { QuotaStore } from '../core/ports.ts';
import { quotaLimits } from '../core/quota.ts';
import { createSlotService, type SlotService } from '../core/slot-service.ts';
import { createQuotaDynamoClient } from './dynamo-client.ts';
import { createDynamoQuotaStore } from './dynamo-quota-store.ts';
import { createS3Signer } from './s3-presigner.ts';

export interface SlotServiceWiring {
  readonly config: ServiceConfig;
  readonly region: string;
  readonly bucket: string;
  readonly tableName: string;
  /** Signs the PUT URLs; in Lambda the function role's credentials. */
  readonly s3Credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Local S3 (path-style URLs); absent for AWS. */
  readonly s3Endpoint?: string;
  /** Local DynamoDB; absent for AWS. */
  readonly dynamoEndpoint?: string;
  readonly dynamoCredentials?: AwsCredentialIdentity;
  /** `cdn` mode without `downloadDomain`: the CDN's own URL (the local CDN); the deployed stack sets downloadDomain instead. */
  readonly cdnUrl?: string;
  /** Observes each quota-store call (for the QuotaStoreLatency metric). */
  readonly onQuotaCall?: (latencyMs: number) => void;
  readonly now?: () => Date;
}

export interface WiredSlotService {
  readonly requestSlot: SlotService;
  readonly quota: QuotaStore;
  /** Where the GET URLs point (the one answer of `downloadBaseUrl` for this wiring). */
  readonly downloadBaseUrl: string;
}

export function wireSlotService(wiring: SlotServiceWiring): WiredSlotService {
  const { config } = wiring;
  const client = createQuotaDynamoClient({
    region: wiring.region,
    ...(wiring.dynamoEndpoint === undefined ? {} : { endpoint: wiring.dynamoEndpoint }),
    ...(wiring.dynamoCredentials === undefined ? {} : { credentials: wiring.dynamoCredentials }),
  });
  const quota = timed(
    createDynamoQuotaStore({
      client,
      tableName: wiring.tableName,
      ...quotaLimits(config),
    }),
    wiring.onQuotaCall,
  );
  const publicBaseUrl = downloadBaseUrl(config, {
    bucketUrl: bucketBaseUrl({ bucket: wiring.bucket, region: wiring.region, endpoint: wiring.s3Endpoint }),
    cdnUrl: wiring.cdnUrl,
  });
  const signer = createS3Signer({
    bucket: wiring.bucket,
    region: wiring.region,
    credentials: wiring.s3Credentials,
    putUrlTtlSeconds: config.putUrlTtlSeconds,
    endpoint: wiring.s3Endpoint,
    publicBaseUrl,
    objectAcl: config.objectAcl,
  });
  const requestSlot = createSlotService({ config, quota, signer, now: wiring.now ?? (() => new Date()), newId: randomUUID });
  return { requestSlot, quota, downloadBaseUrl: publicBaseUrl };
}

function timed(store: QuotaStore, observe: ((latencyMs: number) => void) | undefined): QuotaStore {
  if (observe === undefined) return store;
  const time =
    <A>(call: (arg: A) => Promise<void>) =>
    async (arg: A) => {
      const started = performance.now();
      try {
        await call(arg);
      } finally {
        observe(performance.now() - started);
      }
    };
  return { admit: time((c) => store.admit(c)), refund: time((c) => store.refund(c)) };
}
