/**
 * The one error type of the slot service. Every refusal carries an XEP-0363 condition
 * (XEP-0363 §5 "Error conditions"); each edge (XMPP, HTTP) maps it exactly once through
 * {@link CONDITIONS}.
 */
export type Condition =
  | 'file-too-large'
  | 'bad-request'
  | 'type-not-allowed'
  | 'not-allowed'
  | 'quota-exceeded'
  | 'purpose-not-supported'
  | 'store-unavailable'
  | 'internal';

/** XMPP error type attribute (RFC 6120 §8.3.2). */
export type XmppErrorType = 'modify' | 'cancel' | 'wait' | 'auth';

export interface ConditionMapping {
  /** `type` attribute of the stanza `<error/>`. */
  readonly xmppType: XmppErrorType;
  /** Defined condition element (urn:ietf:params:xml:ns:xmpp-stanzas). */
  readonly xmppCondition:
    | 'not-acceptable'
    | 'bad-request'
    | 'not-allowed'
    | 'resource-constraint'
    | 'feature-not-implemented'
    | 'internal-server-error';
  readonly httpStatus: number;
}

/** The one table from condition to XMPP error and HTTP status (docs/architecture.md, Errors). */
export const CONDITIONS = {
  'file-too-large': { xmppType: 'modify', xmppCondition: 'not-acceptable', httpStatus: 413 },
  'bad-request': { xmppType: 'modify', xmppCondition: 'bad-request', httpStatus: 400 },
  'type-not-allowed': { xmppType: 'modify', xmppCondition: 'not-acceptable', httpStatus: 415 },
  'not-allowed': { xmppType: 'cancel', xmppCondition: 'not-allowed', httpStatus: 403 },
  'quota-exceeded': { xmppType: 'wait', xmppCondition: 'resource-constraint', httpStatus: 429 },
  // XEP-0363 1.2.0 defines no error for a purpose not honoured; 422, not 501: a permanent refusal of this request, not a server fault.
  'purpose-not-supported': { xmppType: 'cancel', xmppCondition: 'feature-not-implemented', httpStatus: 422 },
  'store-unavailable': { xmppType: 'wait', xmppCondition: 'internal-server-error', httpStatus: 503 },
  internal: { xmppType: 'cancel', xmppCondition: 'internal-server-error', httpStatus: 500 },
} as const satisfies Record<Condition, ConditionMapping>;

export interface SlotErrorDetails {
  /** With `file-too-large`: the limit, sent as `<max-file-size>`. */
  readonly maxFileSizeBytes?: number;
  /** With `quota-exceeded`: the earliest time the same request fits (XEP-0363 `<retry stamp>`). */
  readonly retryAt?: Date;
  /** The underlying failure, for the log only; never shown to a client. */
  readonly cause?: unknown;
}

/** A refusal with an XEP-0363 condition and a text that says what was wrong. */
export class SlotError extends Error {
  override readonly name = 'SlotError';
  readonly maxFileSizeBytes?: number;
  readonly retryAt?: Date;

  constructor(
    readonly condition: Condition,
    /** Human-readable, safe to show to the requester. */
    readonly text: string,
    details: SlotErrorDetails = {},
  ) {
    super(text, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.maxFileSizeBytes !== undefined) this.maxFileSizeBytes = details.maxFileSizeBytes;
    if (details.retryAt !== undefined) this.retryAt = details.retryAt;
  }
}

/** Any thrown value as a SlotError; unknown failures become `internal` with a neutral text. */
export function toSlotError(error: unknown): SlotError {
  if (error instanceof SlotError) return error;
  return new SlotError('internal', 'The upload service failed; try again later.', { cause: error });
}
