/**
 * The plain HTTP calls `doctor` makes, each answered as data (status, headers, body) or as the
 * reason it got no answer, so every check can say what it saw.
 */

/** An answer, or why there was none. */
export type Answer =
  | { readonly ok: true; readonly status: number; readonly headers: Headers; readonly body: Uint8Array; readonly ms: number }
  | { readonly ok: false; readonly reason: string };

/** One request with a timeout; redirects are not followed (S3 and Function URLs answer directly). */
export async function call(url: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return { ok: true, status: response.status, headers: response.headers, body, ms: Math.round(performance.now() - started) };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs / 1000} s` };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { ok: false, reason: cause };
  }
}

/** The body as text, cut to a readable length. */
export function text(answer: { readonly body: Uint8Array }, max = 300): string {
  return new TextDecoder().decode(answer.body).slice(0, max);
}

/** The body as JSON, or undefined. */
export function json(answer: { readonly body: Uint8Array }): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    return undefined;
  }
}

/** S3's error code from its XML error body (`<Code>AccessDenied</Code>`), or ''. */
export function s3ErrorCode(answer: { readonly body: Uint8Array }): string {
  return /<Code>([^<]+)<\/Code>/.exec(text(answer, 2000))?.[1] ?? '';
}

/** The slot service's error condition and text from its JSON error body, or ''. */
export function serviceError(answer: { readonly body: Uint8Array }): string {
  const error = (json(answer) as { error?: { condition?: string; text?: string } } | undefined)?.error;
  return error === undefined ? text(answer, 120) : `${error.condition ?? 'error'}: ${error.text ?? ''}`;
}
