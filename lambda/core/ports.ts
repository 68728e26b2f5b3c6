/**
 * The seams between the pure slot logic and the outside world. Adapters in
 * `lambda/adapters` implement them (S3 presigner, DynamoDB quota store); in-memory twins
 * implement them for unit tests.
 */

import type { Purpose } from './purposes.ts';

/** A validated slot request: the requester's bare JID, the file it announced and its purpose. */
export interface SlotRequest {
  /** Bare JID in normal form (`alice@example.org`). */
  readonly jid: string;
  /** The filename as it will appear in the key (validated, shortened if too long). */
  readonly filename: string;
  readonly sizeBytes: number;
  /** The Content-Type the client will send; undefined when it announced none or an empty one. */
  readonly contentType: string | undefined;
  /** XEP-0363 1.2.0 purpose; `message` when the request named none. */
  readonly purpose: Purpose;
  /** `ephemeral` only: when the file stops being served (whole seconds, capped to the longest lifetime). */
  readonly expireBefore?: Date;
}

/** A granted slot: where to PUT (and with which headers) and where recipients GET. */
export interface Slot {
  readonly key: string;
  readonly sizeBytes: number;
  readonly put: { readonly url: string; readonly headers: Readonly<Record<string, string>> };
  readonly get: { readonly url: string };
  /** When the PUT URL stops working. */
  readonly expiresAt: Date;
  /** The ledger's part (docs/operations.md, Abuse and erasure): the slot id (the key's UUID), who, what and when. */
  readonly slotId: string;
  /** Bare JID of the requester, in normal form. */
  readonly jid: string;
  readonly contentType: string | undefined;
  readonly grantedAt: Date;
  /** The purpose the slot was granted for (its key lies under that purpose's prefix). */
  readonly purpose: Purpose;
  /** `ephemeral` only: from this time on the GET URL answers 410. */
  readonly expireBefore?: Date;
}

/** One slot's charge against the quotas. */
export interface QuotaCharge {
  /** Bare JID. */
  readonly jid: string;
  readonly sizeBytes: number;
  /** Unique per slot (the key's UUID), so a charge can be refunded exactly once. */
  readonly slotId: string;
  /** Grant time; quota windows are measured from it. */
  readonly now: Date;
}

/** Quota admission (docs/architecture.md, Quotas). */
export interface QuotaStore {
  /**
   * Charges the slot against the global and the per-user quota, atomically under concurrency.
   * @throws SlotError `quota-exceeded` with `retryAt`, or `store-unavailable`; a refusal or a
   * failure leaves no charge behind.
   */
  admit(charge: QuotaCharge): Promise<void>;
  /** Takes back a charge made by {@link admit} when the slot could not be issued after all. */
  refund(charge: QuotaCharge): Promise<void>;
}

export interface PresignPutInput {
  readonly key: string;
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  readonly now: Date;
}

/** Presigns S3 PUTs and builds public GET URLs. */
export interface UploadSigner {
  presignPut(input: PresignPutInput): Promise<{ readonly url: string; readonly expiresAt: Date }>;
  /** The unsigned public URL of a key. */
  publicUrl(key: string): string;
}
