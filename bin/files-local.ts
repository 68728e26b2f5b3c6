/**
 * The `files` commands against the stack of `npm start`: the ledger is its request log file
 * (`.local-data/requests.log`, the same JSON lines the Lambda writes to CloudWatch Logs), the
 * bucket its strict local S3 through the very S3 adapter used on AWS, and the local CDN has no
 * cache to invalidate.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { bucketBaseUrl } from '../lambda/core/config-downloads.ts';
import { LOCAL_S3_CREDENTIALS, type LocalFilesRecord } from './cli-common.ts';
import { s3Store } from './files-aws.ts';
import type { CdnCache, FilesBackend, Ledger } from './files-ports.ts';
import { type LedgerRecord, lineFields, matches, recordOf, takedownLine } from './ledger.ts';

/** The ledger in a file of JSON lines; a line that is not a grant or takedown is skipped. */
export function fileLedger(file: string): Ledger {
  return {
    async find(query) {
      if (!existsSync(file)) return [];
      const records: LedgerRecord[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const fields = line === '' ? undefined : lineFields(line);
        const record = fields === undefined ? undefined : recordOf(fields);
        if (record !== undefined && matches(record, query)) records.push(record);
      }
      return records.reverse();
    },
    async record(takedown) {
      appendFileSync(file, `${takedownLine(takedown)}\n`);
    },
  };
}

const NO_CACHE: CdnCache = { invalidate: async () => 'the local CDN keeps no cache: nothing to invalidate' };

export function localBackend(target: LocalFilesRecord, where: string): FilesBackend {
  const objects = s3Store({ bucket: target.bucket, region: target.region, endpoint: target.s3Endpoint, credentials: LOCAL_S3_CREDENTIALS });
  return {
    where,
    ledger: fileLedger(target.requestLog),
    objects,
    cdn: target.cdn ? NO_CACHE : undefined,
    downloadBases: [target.downloadBaseUrl, bucketBaseUrl({ bucket: target.bucket, region: target.region, endpoint: target.s3Endpoint })],
    retentionDays: target.retentionDays,
    close: () => objects.close(),
  };
}
