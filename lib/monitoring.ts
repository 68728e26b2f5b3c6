/**
 * A small dashboard and three alarms for the slot endpoint. Metric names come from
 * {@link METRICS} so the graphs match what the handler emits.
 */
import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRIC_NAMESPACE, METRICS, URL_METRICS } from './metrics.ts';

export interface MonitoringProps {
  readonly fn: IFunction;
  /** Alarm when more than this percentage of Function URL requests in 5 minutes answer 5xx. */
  readonly url5xxRatePercent: number;
  /** Actions (e.g. an SNS topic) for every alarm. */
  readonly alarmActions: readonly IAlarmAction[];
}

const PERIOD = Duration.minutes(5);

/** Dashboard plus alarms on Lambda errors, throttles and the Function URL 5xx rate. */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const fn = props.fn;
    const service = (name: string, statistic = 'Sum') =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        dimensionsMap: { [DIMENSIONS.service]: fn.functionName },
        statistic,
        period: PERIOD,
      });
    const url = (name: string) =>
      new Metric({
        namespace: 'AWS/Lambda',
        metricName: name,
        dimensionsMap: { FunctionName: fn.functionName },
        statistic: 'Sum',
        period: PERIOD,
      });
    const refusedByCondition = new MathExpression({
      expression: `SEARCH('{${METRIC_NAMESPACE},${DIMENSIONS.service},${DIMENSIONS.condition}} MetricName="${METRICS.slotsRefused.name}" ${DIMENSIONS.service}="${fn.functionName}"', 'Sum', 300)`,
      label: '',
      period: PERIOD,
    });
    const url5xxRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
      usingMetrics: { requests: url(URL_METRICS.requests), errors: url(URL_METRICS.errors5xx) },
      label: 'Function URL 5xx (%)',
      period: PERIOD,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Slots granted / refused',
        left: [service(METRICS.slotsGranted.name), service(METRICS.slotsRefused.name), refusedByCondition],
      }),
      new GraphWidget({ title: 'Bytes granted', left: [service(METRICS.bytesGranted.name)] }),
      new GraphWidget({
        title: 'Quota store latency (ms)',
        left: [service(METRICS.quotaStoreLatency.name, 'p50'), service(METRICS.quotaStoreLatency.name, 'p99')],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors / throttles',
        left: [fn.metricErrors({ period: PERIOD }), fn.metricThrottles({ period: PERIOD })],
      }),
      new GraphWidget({
        title: 'Lambda duration (ms)',
        left: [fn.metricDuration({ period: PERIOD, statistic: 'p50' }), fn.metricDuration({ period: PERIOD, statistic: 'p99' })],
      }),
      new GraphWidget({
        title: 'Function URL requests / 5xx',
        left: [url(URL_METRICS.requests), url(URL_METRICS.errors4xx), url(URL_METRICS.errors5xx)],
        right: [url5xxRate],
      }),
    );

    // Sparse metrics: no data means no traffic, which is not an outage.
    const alarm = (alarmId: string, metric: Metric | MathExpression, threshold: number, description: string): Alarm => {
      const created = metric.createAlarm(this, alarmId, {
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      for (const action of props.alarmActions) created.addAlarmAction(action);
      return created;
    };
    this.alarms = [
      alarm('ErrorsAlarm', fn.metricErrors({ period: PERIOD }), 1, 'The slot Lambda failed (unhandled error or timeout).'),
      alarm('ThrottlesAlarm', fn.metricThrottles({ period: PERIOD }), 1, 'The slot Lambda was throttled (concurrency limit).'),
      alarm(
        'Url5xxRateAlarm',
        url5xxRate,
        props.url5xxRatePercent,
        `At least ${props.url5xxRatePercent}% of slot requests answered 5xx in 5 minutes.`,
      ),
    ];
  }
}
