/**
 * Runs a rendered CloudFront Function in Node the way CloudFront does, for the tests and the
 * local CDN: the code is evaluated in a fresh V8 context with no Node globals (no `require`,
 * `process`, timers), called with a `cloudfront-js-2.0` event object, and held to a time limit.
 * Event shape: "CloudFront Functions event structure", Amazon CloudFront Developer Guide.
 */
import { createContext, runInContext } from 'node:vm';

/** A header, query parameter or cookie: `value`, plus `multiValue` when it was repeated. */
export interface CfValue {
  value: string;
  multiValue?: { value: string }[];
}
/** Header names are lower case, as CloudFront always passes them. */
export type CfHeaders = Record<string, CfValue>;

export interface CfRequest {
  readonly method: string;
  uri: string;
  querystring: Record<string, CfValue>;
  headers: CfHeaders;
  cookies: Record<string, CfValue>;
}

export interface CfResponse {
  statusCode: number;
  statusDescription?: string;
  headers: CfHeaders;
  cookies: Record<string, CfValue & { attributes?: string }>;
}

export interface CfEvent {
  readonly version: '1.0';
  readonly context: {
    readonly distributionDomainName: string;
    readonly distributionId: string;
    readonly eventType: 'viewer-request' | 'viewer-response';
    readonly requestId: string;
  };
  readonly viewer: { readonly ip: string };
  readonly request: CfRequest;
  readonly response?: CfResponse;
}

/** A loaded function: call it with an event, get what it returned. */
export type CfHandler = (event: CfEvent) => Promise<unknown>;

/** CloudFront stops a function that runs too long; 1 ms of compute is its budget, this only catches loops. */
const TIME_LIMIT_MS = 100;

/** Options of {@link loadFunction}. */
export interface LoadOptions {
  /** The clock behind the context's `Date.now()` (tests and the local CDN move it). @default the real clock */
  readonly now?: () => Date;
}

/**
 * Evaluates `code` (a whole function file) and returns its `handler`.
 * @throws Error when the code does not define a `handler` function.
 */
export function loadFunction(code: string, options: LoadOptions = {}): CfHandler {
  const context = createContext({});
  const { now } = options;
  if (now !== undefined) {
    context.__now = () => now().getTime();
    runInContext('Date.now = function () { return __now(); };', context);
  }
  runInContext(code, context, { timeout: TIME_LIMIT_MS });
  if (runInContext('typeof handler', context) !== 'function') throw new Error('the function code defines no handler');
  return async (event) => {
    // A JSON copy, as CloudFront hands the function its own object; the call runs inside the context for the time limit.
    context.__event = JSON.parse(JSON.stringify(event));
    return await runInContext('handler(__event)', context, { timeout: TIME_LIMIT_MS });
  };
}

/** Node's (or fetch's) headers as the event's: lower-case names, repeated values as `multiValue`. */
export function toCfHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): CfHeaders {
  const out: CfHeaders = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const values = typeof raw === 'string' ? [raw] : [...raw];
    const first = values[0];
    if (first === undefined) continue;
    out[name.toLowerCase()] = values.length > 1 ? { value: first, multiValue: values.map((value) => ({ value })) } : { value: first };
  }
  return out;
}

/** The event's headers back as Node headers; a modified `multiValue` wins over `value`, as in CloudFront. */
export function fromCfHeaders(headers: CfHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, header] of Object.entries(headers)) {
    out[name] = header.multiValue !== undefined && header.multiValue.length > 1 ? header.multiValue.map((v) => v.value) : header.value;
  }
  return out;
}

/** `a=1&b=2&b=3` as the event's `querystring` (values decoded). */
export function toCfQuery(rawQuery: string): Record<string, CfValue> {
  return grouped([...new URLSearchParams(rawQuery)]);
}

function grouped(pairs: readonly (readonly [string, string])[]): Record<string, CfValue> {
  const values = new Map<string, string[]>();
  for (const [name, value] of pairs) values.set(name, [...(values.get(name) ?? []), value]);
  return Object.fromEntries([...values].map(([name, list]) => [name, toCfHeaders({ v: list }).v as CfValue]));
}

/** A `Cookie` header as the event's `cookies`. */
export function toCfCookies(cookieHeader: string | undefined): Record<string, CfValue> {
  const pairs = (cookieHeader ?? '')
    .split(';')
    .filter((part) => part.indexOf('=') > 0)
    .map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()] as const);
  return grouped(pairs);
}
