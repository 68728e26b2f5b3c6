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

function emf(service: string, at: Date, dimensions: string[][], metrics: [Metric, number][], fields: object): string {
  const line: Record<string, unknown> = {
    ...fields,
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        { Namespace: METRIC_NAMESPACE, Dimensions: dimensions, Metrics: metrics.map(([m]) => ({ Name: m.name, Unit: m.unit })) },
      ],
    },
    [DIMENSIONS.service]: service,
  };
  for (const [metric, value] of metrics) line[metric.name] = value;
  return JSON.stringify(line);
}

const isCondition = (outcome: string): outcome is Condition => outcome in CONDITIONS;

/** The log line of one request: metrics for a granted or refused slot, a plain line otherwise. */
export function requestLine(record: RequestRecord, service: string, at: Date): string {
  const fields = { level: record.status >= 500 ? 'error' : 'info', ...record };
  if (record.outcome === 'granted') {
    return emf(
      service,
      at,
      [[DIMENSIONS.service]],
      [
        [METRICS.slotsGranted, 1],
        [METRICS.bytesGranted, record.sizeBytes ?? 0],
      ],
      fields,
    );
  }
  if (isCondition(record.outcome)) {
    const withCondition = { ...fields, [DIMENSIONS.condition]: record.outcome };
    return emf(service, at, [[DIMENSIONS.service], [DIMENSIONS.service, DIMENSIONS.condition]], [[METRICS.slotsRefused, 1]], withCondition);
  }
  return JSON.stringify(fields);
}

/** The metric line of one quota-store call. */
export function quotaLatencyLine(latencyMs: number, service: string, at: Date): string {
  return emf(service, at, [[DIMENSIONS.service]], [[METRICS.quotaStoreLatency, Math.round(latencyMs * 100) / 100]], {
    level: 'info',
    event: 'quota-call',
  });
}
