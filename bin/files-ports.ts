/**
 * The seams of the `files` commands: the ledger (the request log), the object store (the upload
 * bucket) and, in `cdn` mode, the CDN's cache. bin/files-aws.ts implements them with CloudWatch
 * Logs Insights, S3 and CloudFront; bin/files-local.ts for the stack of `npm start`.
 */
import type { LedgerQuery, LedgerRecord, Takedown } from './ledger.ts';

export interface ObjectInfo {
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  readonly lastModified: Date | undefined;
}

export interface Ledger {
  /** Every record answering the query, newest first. */
  find(query: LedgerQuery): Promise<LedgerRecord[]>;
  /** Appends a takedown record next to the request lines. */
  record(takedown: Omit<Takedown, 'kind'>): Promise<void>;
}

export interface ObjectStore {
  /** The object under `key`, or undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  delete(key: string): Promise<void>;
}

export interface CdnCache {
  /** Drops the keys' cached copies; returns what was done (an invalidation id, or a note). */
  invalidate(keys: readonly string[]): Promise<string>;
}

export interface FilesBackend {
  /** Where the commands act, for the output (`local stack in .local-data`, `stack X in eu-west-1`). */
  readonly where: string;
  readonly ledger: Ledger;
  readonly objects: ObjectStore;
  /** `cdn` mode only. */
  readonly cdn: CdnCache | undefined;
  /** Bases of GET URLs (no trailing slash) a reported URL is read against. */
  readonly downloadBases: readonly string[];
  /** The files' lifetime (0: kept), when known: tells "never uploaded" from "expired". */
  readonly retentionDays: number | undefined;
  close(): void;
}

/** What went wrong talking to a store, in words for the operator; `code` is the exit code. */
export class FilesError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'FilesError';
  }
}
