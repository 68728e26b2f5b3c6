/**
 * Response builders for the slot endpoint. Every error body has one shape:
 * `{"error": {"condition", "type", "text", "maxFileSize"?, "retryAt"?}}` (docs/architecture.md, Errors).
 */
import { CONDITIONS, type SlotError, type XmppErrorType } from '../core/errors.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers } });
}

/** An error of the HTTP layer itself (no slot logic involved): 401, 404, 405, 413, 415, 400. */
export function httpError(
  status: number,
  condition: string,
  text: string,
  type: XmppErrorType = 'modify',
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(status, { error: { condition, type, text } }, headers);
}

/** `Retry-After` of a refusal that may be retried at `retryAt`: whole seconds, at least 1. */
export function retryAfter(retryAt: Date, now: Date): string {
  return String(Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000)));
}

/** A slot refusal, with `Retry-After` (whole seconds, at least 1) for quota refusals. */
export function slotErrorResponse(error: SlotError, now: Date): Response {
  const mapping = CONDITIONS[error.condition];
  const body: Record<string, unknown> = { condition: error.condition, type: mapping.xmppType, text: error.text };
  const headers: Record<string, string> = {};
  if (error.maxFileSizeBytes !== undefined) body.maxFileSize = error.maxFileSizeBytes;
  if (error.retryAt !== undefined) {
    body.retryAt = error.retryAt.toISOString();
    headers['retry-after'] = retryAfter(error.retryAt, now);
  }
  return jsonResponse(mapping.httpStatus, { error: body }, headers);
}
