/**
 * The CloudFront Functions of `cdn` mode, rendered for one configuration. A CloudFront Function
 * has no environment variables, so its parameters are written into its code at synth: each
 * `__NAME__` placeholder becomes the JSON of that parameter, and whole-line comments are dropped
 * (they count against the size limit). The deployed distribution and the local CDN run the very
 * same rendered text.
 *
 * A function is one file in this folder plus one entry in {@link CDN_FUNCTIONS}; a
 * viewer-request function joins the same way.
 */
import { readFileSync } from 'node:fs';
import { purposePrefix } from '../lambda/core/purposes.ts';

/** CloudFront Functions' quota on a function's code ("Maximum function size"). */
export const MAX_FUNCTION_BYTES = 10 * 1024;

/** The CloudFront event a function is associated with. */
export type CdnEventType = 'viewer-request' | 'viewer-response';

interface FunctionSource {
  readonly file: string;
  readonly eventType: CdnEventType;
  /** Placeholder names, each written `__NAME__` in the source. */
  readonly params: readonly string[];
}

/** Every function of the distribution, by name. */
export const CDN_FUNCTIONS = {
  'viewer-response': { file: 'viewer-response.js', eventType: 'viewer-response', params: ['SAFE_TYPES'] },
  'viewer-request': { file: 'viewer-request.js', eventType: 'viewer-request', params: ['EPHEMERAL_PREFIX'] },
} as const satisfies Record<string, FunctionSource>;

export type CdnFunctionName = keyof typeof CDN_FUNCTIONS;

/** Parameter values by placeholder name. */
export type FunctionParams<N extends CdnFunctionName> = Record<(typeof CDN_FUNCTIONS)[N]['params'][number], unknown>;

/** The source as checked in, placeholders unreplaced. */
export function functionSource(name: CdnFunctionName): string {
  return readFileSync(new URL(`./${CDN_FUNCTIONS[name].file}`, import.meta.url), 'utf8');
}

/**
 * The code to deploy: every placeholder replaced by its value's JSON.
 * @throws Error when a placeholder is unknown or missing, or the code exceeds {@link MAX_FUNCTION_BYTES}.
 */
export function renderFunction<N extends CdnFunctionName>(name: N, params: FunctionParams<N>): string {
  const expected: readonly string[] = CDN_FUNCTIONS[name].params;
  const values = params as Record<string, unknown>;
  const code = functionSource(name)
    .replace(/^[ \t]*\/\/.*\n/gm, '')
    .replace(/__([A-Z][A-Z0-9_]*)__/g, (placeholder, param: string) => {
      if (!expected.includes(param) || !(param in values)) throw new Error(`${name}: no value for the placeholder ${placeholder}`);
      return JSON.stringify(values[param]);
    });
  const bytes = Buffer.byteLength(code, 'utf8');
  if (bytes > MAX_FUNCTION_BYTES) {
    throw new Error(`${name}: ${bytes} bytes of code, more than CloudFront Functions' ${MAX_FUNCTION_BYTES}-byte limit`);
  }
  return code;
}

/** The viewer-response function for a `safeTypes` list. */
export function viewerResponseCode(safeTypes: readonly string[]): string {
  return renderFunction('viewer-response', { SAFE_TYPES: safeTypes });
}

/** The URI path prefix of ephemeral downloads, `/<keyPrefix>ephemeral/` (lambda/core/keys.ts). */
export function ephemeralPathPrefix(keyPrefix: string): string {
  return `/${purposePrefix(keyPrefix, 'ephemeral')}`;
}

/** The viewer-request function that answers 410 for an ephemeral download from its expiry on. */
export function viewerRequestCode(keyPrefix: string): string {
  return renderFunction('viewer-request', { EPHEMERAL_PREFIX: ephemeralPathPrefix(keyPrefix) });
}
