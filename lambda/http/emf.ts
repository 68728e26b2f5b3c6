/**
 * The request log line, which doubles as CloudWatch embedded-metric-format (EMF) metrics, so
 * one line per request carries both what an operator greps for and what the dashboard graphs.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * The names are the contract with the stack's dashboard and alarms (`lib/metrics.ts`).
 */
import type { Condition } from '../core/errors.ts';
import { CONDITIONS } from '../core/errors.ts';
import type { RequestRecord } from './routes.ts';

/** CloudWatch namespace of the handler's EMF metrics. */
export const METRIC_NAMESPACE = 'XmppS3Upload';

/** Metric names and units (EMF `Unit` strings). */
export const METRICS = {
  slotsGranted: { name: 'SlotsGranted', unit: 'Count' },
  bytesGranted: { name: 'BytesGranted', unit: 'Bytes' },
  slotsRefused: { name: 'SlotsRefused', unit: 'Count' },
  quotaStoreLatency: { name: 'QuotaStoreLatency', unit: 'Milliseconds' },
} as const;

/** Dimension names: `Service` on every metric, `Condition` on `SlotsRefused` only. */
export const DIMENSIONS = { service: 'Service', condition: 'Condition' } as const;

type Metric = (typeof METRICS)[keyof typeof METRICS];

/** One EMF directive: metrics that share a list of dimension sets. */
interface Directive {
  readonly dimensions: string[][];
  readonly metrics: readonly (readonly [Metric, number | readonly number[]])[];
}

function emf(service: string, at: Date, directives: readonly Directive[], fields: object): string {
  const line: Record<string, unknown> = {
    ...fields,
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: directives.map((d) => ({
        Namespace: METRIC_NAMESPACE,
        Dimensions: d.dimensions,
        Metrics: d.metrics.map(([m]) => ({ Name: m.name, Unit: m.unit })),
      })),
    },
    [DIMENSIONS.service]: service,
  };
  for (const { metrics } of directives) for (const [metric, value] of metrics) line[metric.name] = value;
  return JSON.stringify(line);
}

const isCondition = (outcome: string): outcome is Condition => outcome in CONDITIONS;
const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The log line of one request: metrics for a granted or refused slot, a plain line otherwise.
 * `quotaCallsMs` are the request's quota-store calls (the Lambda times them): they ride on the
 * same line as `QuotaStoreLatency` values (one EMF array, one data point per call), under
 * `Service` only, so the request costs one log event, not one per call.
 */
export function requestLine(record: RequestRecord, service: string, at: Date, quotaCallsMs: readonly number[] = []): string {
  const fields = { level: record.status >= 500 ? 'error' : 'info', ...record };
  const quota: Directive[] =
    quotaCallsMs.length === 0
      ? []
      : [
          {
            dimensions: [[DIMENSIONS.service]],
            metrics: [[METRICS.quotaStoreLatency, quotaCallsMs.length === 1 ? round(quotaCallsMs[0] as number) : quotaCallsMs.map(round)]],
          },
        ];
  if (record.outcome === 'granted') {
    const granted: Directive = {
      dimensions: [[DIMENSIONS.service]],
      metrics: [[METRICS.slotsGranted, 1], [METRICS.bytesGranted, record.sizeBytes ?? 0], ...(quota[0]?.metrics ?? [])],
    };
    return emf(service, at, [granted], fields);
  }
  if (isCondition(record.outcome)) {
    const withCondition = { ...fields, [DIMENSIONS.condition]: record.outcome };
    const refused: Directive = {
      dimensions: [[DIMENSIONS.service], [DIMENSIONS.service, DIMENSIONS.condition]],
      metrics: [[METRICS.slotsRefused, 1]],
    };
    return emf(service, at, [refused, ...quota], withCondition);
  }
  return quota.length === 0 ? JSON.stringify(fields) : emf(service, at, quota, fields);
}
