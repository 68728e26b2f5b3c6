/**
 * Reading a request body under a cap. A slot request is a few hundred bytes; anything far
 * larger is refused before it is buffered, whether or not it announced its length.
 */

/** Default cap for request bodies: a stanza or a JSON slot request fits many times over. */
export const MAX_BODY_BYTES = 64 * 1024;

/** How much of an oversize body is read anyway: enough for the start tag of the stanza to answer. */
export const HEAD_BYTES = 4096;

export type BodyResult =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly status: 400 | 413;
      readonly text: string;
      /** With 413: the first {@link HEAD_BYTES} of the body, decoded leniently. */
      readonly head?: string;
    };

export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  const declaredTooLarge = declared !== null && Number(declared) > maxBytes;
  if (request.body === null) return declaredTooLarge ? tooLarge(maxBytes, []) : { ok: true, text: '' };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    chunks.push(value);
    if (total > maxBytes || (declaredTooLarge && total >= HEAD_BYTES)) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(maxBytes, chunks);
    }
  }
  if (declaredTooLarge) return tooLarge(maxBytes, chunks);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { ok: false, status: 400, text: 'The request body is not valid UTF-8.' };
  }
}

/** What of a body can show the stanza to answer: all of it, or the head of an oversize one ('' for a body that is not UTF-8). */
export function stanzaSource(body: BodyResult): string {
  return body.ok ? body.text : (body.head ?? '');
}

function tooLarge(maxBytes: number, chunks: readonly Uint8Array[]): BodyResult {
  const head = new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, HEAD_BYTES));
  return { ok: false, status: 413, text: `The request body is larger than ${maxBytes} bytes.`, head };
}
