import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS, type MetricName, SERVICE_NAME, TASK_OUTCOME_METRICS } from '../../lambdas/metrics-names.js';
import type { StackSettings } from '../settings.js';
import { addVariables } from './lambda-function.js';

export interface ObservabilityProps {
  cluster: rds.DatabaseCluster;
  httpApi: apigw.HttpApi;
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  /** The service's own functions (not the CDK Provider framework's). */
  functions: lambda.Function[];
  settings: StackSettings;
}

/**
 * Operations at a glance: the service's embedded metrics (lambdas/metrics-names.ts, the one list the code emits
 * from) next to SQS, Aurora and Lambda's own, on one dashboard; alarms on what needs a person. Names come from the
 * shared list, so an alarm cannot watch a metric nothing emits.
 */
export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { settings } = props;
    const metric = (
      name: MetricName,
      options: cloudwatch.MetricOptions & { dimensionsMap?: Record<string, string> } = {},
    ) =>
      new cloudwatch.Metric({
        namespace: settings.metricsNamespace,
        metricName: name,
        unit: METRICS[name].unit === 'Count' ? cloudwatch.Unit.COUNT : cloudwatch.Unit.MILLISECONDS,
        period: Duration.minutes(5),
        ...options,
        dimensionsMap: { service: SERVICE_NAME, ...options.dimensionsMap },
      });
    const count = (name: MetricName, dimensionsMap: Record<string, string> = {}) =>
      metric(name, { statistic: 'Sum', dimensionsMap, label: name });

    if (settings.tracing) enableTracing(props.functions);

    // Alarms. Missing data (an idle service emits nothing) is never a breach.
    const ended = Duration.minutes(15);
    this.alarms.push(
      new cloudwatch.Alarm(this, 'TaskFailureRatio', {
        alarmDescription: `Over ${settings.alarmTaskFailurePercent}% of the tasks that ended in 15 minutes failed for good (retries exhausted).`,
        metric: new cloudwatch.MathExpression({
          // A metric with no data point in a period makes the whole expression missing there, and missing is not
          // breaching: without FILL, a window in which every task failed (no TaskSucceeded line at all) would hide
          // a 100% failure ratio. `failed` is left unfilled: no failures is no breach.
          expression: '100 * failed / (FILL(succeeded, 0) + failed)',
          usingMetrics: {
            failed: metric('TaskFailed', { statistic: 'Sum', period: ended }),
            succeeded: metric('TaskSucceeded', { statistic: 'Sum', period: ended }),
          },
          period: ended,
          label: 'failed %',
        }),
        threshold: settings.alarmTaskFailurePercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'TaskQueueDelayHigh', {
        alarmDescription: `The p99 delay from a task's due time to its start stayed above ${settings.alarmQueueDelaySeconds} s for 15 minutes.`,
        metric: metric('TaskQueueDelay', { statistic: 'p99' }),
        threshold: settings.alarmQueueDelaySeconds * 1000,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'Api5xx', {
        alarmDescription: `The API answered ${settings.alarmApi5xxCount} or more 5xx within 5 minutes.`,
        // API Gateway's own count, not the handler's RequestCount: a function that times out, crashes, fails its
        // init or is throttled writes no EMF line, yet the caller gets a 5xx from the gateway.
        metric: props.httpApi.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: settings.alarmApi5xxCount,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    const routes = (name: MetricName, statistic: string, extra: Record<string, string>, label: string) =>
      new cloudwatch.MathExpression({
        // One line per route template the code reported; the route set is bounded by the route table.
        expression: `SEARCH('{${settings.metricsNamespace},service,route${Object.keys(extra)
          .map((key) => `,${key}`)
          .join('')}} MetricName="${name}" service="${SERVICE_NAME}" ${Object.entries(extra)
          .map(([key, value]) => `${key}="${value}"`)
          .join(' ')}', '${statistic}', 300)`,
        label,
        period: Duration.minutes(5),
      });
    const lambdaMetric = (name: 'Errors' | 'Throttles') =>
      props.functions.map((fn) =>
        fn.metric(name, { statistic: 'Sum', period: Duration.minutes(5), label: fn.node.id }),
      );
    const wide = { width: 12, height: 6 } as const;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Tasks by outcome (per 5 min)',
            left: [count('TaskStarted'), ...TASK_OUTCOME_METRICS.map((name) => count(name))],
            ...wide,
          }),
          new cloudwatch.GraphWidget({
            title: 'Task queue delay and run duration (ms)',
            left: ['p50', 'p99'].map((statistic) =>
              metric('TaskQueueDelay', { statistic, label: `queue delay ${statistic}` }),
            ),
            right: ['p50', 'p99'].map((statistic) =>
              metric('TaskRunDuration', { statistic, label: `run duration ${statistic}` }),
            ),
            ...wide,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'API requests by route; 4xx and 5xx',
            left: [routes('RequestCount', 'Sum', { status_class: '2xx' }, '2xx')],
            right: [
              count('RequestCount', { status_class: '4xx' }),
              count('RequestCount', { status_class: '5xx' }),
            ],
            ...wide,
          }),
          new cloudwatch.GraphWidget({
            title: 'API latency p99 (ms)',
            left: [metric('RequestLatency', { statistic: 'p99', label: 'all routes' })],
            right: [routes('RequestLatency', 'p99', {}, 'p99')],
            ...wide,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Task queue: depth, oldest message age (s), DLQ depth',
            left: [
              props.queue.metricApproximateNumberOfMessagesVisible({ label: 'visible' }),
              props.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'in flight' }),
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' }),
            ],
            right: [props.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest age' })],
            ...wide,
          }),
          new cloudwatch.GraphWidget({
            title: 'Aurora capacity (ACU; 0 = paused) and ACU utilisation (%)',
            left: [props.cluster.metricServerlessDatabaseCapacity({ statistic: 'Maximum' })],
            right: [props.cluster.metricACUUtilization({ statistic: 'Maximum' })],
            ...wide,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Lambda errors', left: lambdaMetric('Errors'), ...wide }),
          new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: lambdaMetric('Throttles'), ...wide }),
          new cloudwatch.GraphWidget({
            title: 'Data API retries and resumes',
            left: [count('DataApiRetry'), count('DataApiResuming')],
            ...wide,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, ...wide }),
        ],
      ],
    });
    const { region } = Stack.of(this);
    new CfnOutput(Stack.of(this), 'OperationsDashboardUrl', {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboard.dashboardName}`,
    });
  }
}

/**
 * X-Ray active tracing on every function (`-c tracing=true`), with the write permissions it needs, and the SDK
 * clients captured (lambdas/tracing.ts). HTTP APIs (API Gateway v2) have no X-Ray tracing of their own; the trace
 * starts at the function.
 */
function enableTracing(functions: lambda.Function[]): void {
  for (const fn of functions) {
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    cfn.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    // lambdas/tracing.ts loads the Powertools Tracer only then; it never records responses or errors (payloads).
    addVariables(fn, {
      TRACING: 'true',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        // X-Ray's write actions support no resource-level permissions.
        resources: ['*'],
      }),
    );
  }
}
