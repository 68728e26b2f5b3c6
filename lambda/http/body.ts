/**
 * Reading a request body under a cap. A slot request is a few hundred bytes; anything far
 * larger is refused before it is buffered, whether or not it announced its length.
 */

/** Default cap for request bodies: a stanza or a JSON slot request fits many times over. */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly status: 400 | 413; readonly text: string };

export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return tooLarge(maxBytes);
  if (request.body === null) return { ok: true, text: '' };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { ok: false, status: 400, text: 'The request body is not valid UTF-8.' };
  }
}

function tooLarge(maxBytes: number): BodyResult {
  return { ok: false, status: 413, text: `The request body is larger than ${maxBytes} bytes.` };
}
