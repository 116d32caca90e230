import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMESPACE_DEFAULT, METRICS } from '../../lambdas/metrics-names.js';
import { resourcesOf, synthStack } from './synth.js';

/**
 * The dashboard and alarms watch the metrics the code emits: names are read from the same list
 * (lambdas/metrics-names.ts) the code writes from, and every metric of the service's namespace in the template must
 * be on that list.
 */
let synthed: ReturnType<typeof synthStack>;
beforeAll(() => {
  synthed = synthStack();
});
const alarmsOf = (t = synthed.template) => Object.entries(resourcesOf(t, 'AWS::CloudWatch::Alarm'));
type MetricStat = { Metric: { Namespace: string; MetricName: string } };
/** Every metric an alarm reads, whether it is a single metric or a math expression's input. */
function alarmMetrics(properties: Record<string, unknown>): { namespace: string; name: string }[] {
  if (properties.MetricName)
    return [{ namespace: String(properties.Namespace), name: String(properties.MetricName) }];
  return ((properties.Metrics as { MetricStat?: MetricStat }[]) ?? []).flatMap((m) =>
    m.MetricStat ? [{ namespace: m.MetricStat.Metric.Namespace, name: m.MetricStat.Metric.MetricName }] : [],
  );
}

describe('operations dashboard and alarms', () => {
  it('has one dashboard, and its URL as the OperationsDashboardUrl output', () => {
    expect(Object.keys(resourcesOf(synthed.template, 'AWS::CloudWatch::Dashboard'))).toHaveLength(1);
    const url = JSON.stringify(synthed.template.toJSON().Outputs.OperationsDashboardUrl);
    expect(url).toContain('console.aws.amazon.com/cloudwatch/home');
    expect(url).toContain('#dashboards/dashboard/');
  });

  it('every alarm notifies the alarm topic when it fires and when it clears', () => {
    const alarms = alarmsOf();
    expect(alarms.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'OperationsApi5xx',
      'OperationsTaskFailureRatio',
      'OperationsTaskQueueDelayHigh',
      'WorkerDeadLetterQueueNotEmpty',
      'WorkerTaskBacklogAging',
    ]);
    for (const [id, alarm] of alarms) {
      for (const key of ['AlarmActions', 'OKActions'])
        expect(alarm.Properties?.[key], `${id} ${key}`).toEqual([
          { Ref: expect.stringMatching(/^AlarmsTopic/) },
        ]);
    }
  });

  it('the alarms and the dashboard use only metric names the code emits', () => {
    const ours = alarmsOf()
      .flatMap(([, alarm]) => alarmMetrics(alarm.Properties ?? {}))
      .filter((m) => m.namespace === METRIC_NAMESPACE_DEFAULT);
    expect(ours.map((m) => m.name).sort()).toEqual(['TaskFailed', 'TaskQueueDelay', 'TaskSucceeded']);
    for (const { name } of ours) expect(Object.keys(METRICS)).toContain(name);

    const body = JSON.stringify(
      Object.values(resourcesOf(synthed.template, 'AWS::CloudWatch::Dashboard'))[0],
    );
    const onDashboard = [
      ...body.matchAll(new RegExp(`\\[\\\\"${METRIC_NAMESPACE_DEFAULT}\\\\",\\\\"(\\w+)\\\\"`, 'g')),
      ...body.matchAll(/MetricName=\\\\"(\w+)\\\\"/g),
    ].map((m) => m[1]);
    expect(new Set(onDashboard)).toEqual(new Set(Object.keys(METRICS)));
  });

  it('the 5xx alarm counts what API Gateway answered, so a function that timed out or crashed (no EMF line) counts', () => {
    const api5xx = alarmsOf().find(([id]) => id.startsWith('OperationsApi5xx'))?.[1].Properties ?? {};
    expect(api5xx).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Period: 300,
    });
    const [apiId] = Object.keys(resourcesOf(synthed.template, 'AWS::ApiGatewayV2::Api'));
    expect(api5xx.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: apiId } }]);
  });

  it('the failure ratio still breaches when every task failed (no TaskSucceeded data in the window)', () => {
    // CloudWatch metric math yields no value where an input has no data point, and the alarm treats missing data as
    // not breaching, so the succeeded count must be filled with 0 or a 100% failure window stays OK.
    const ratio =
      alarmsOf().find(([id]) => id.startsWith('OperationsTaskFailureRatio'))?.[1].Properties ?? {};
    const metrics = ratio.Metrics as { Id: string; Expression?: string }[];
    const expression = metrics.find((m) => m.Expression)?.Expression ?? '';
    expect(expression).toMatch(/FILL\(succeeded,\s*0\)/);
    expect(expression.replace(/FILL\(succeeded,\s*0\)/g, '')).not.toMatch(/\bsucceeded\b/);
    expect(ratio.TreatMissingData).toBe('notBreaching');
  });

  it('thresholds and the namespace come from context', () => {
    const { template } = synthStack({
      context: {
        alarmApi5xxCount: 7,
        alarmQueueDelaySeconds: 60,
        alarmTaskFailurePercent: 25,
        metricsNamespace: 'Ops/Jobs',
      },
    });
    const byId = (prefix: string) =>
      alarmsOf(template).find(([id]) => id.startsWith(prefix))?.[1].Properties ?? {};
    expect(byId('OperationsApi5xx').Threshold).toBe(7);
    expect(byId('OperationsTaskQueueDelayHigh')).toMatchObject({ Threshold: 60_000, Namespace: 'Ops/Jobs' });
    expect(byId('OperationsTaskFailureRatio').Threshold).toBe(25);
    // The service's own functions carry the namespace; the CDK Provider framework's carry none.
    const namespaces = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))
      .map(
        (fn) =>
          (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      )
      .flatMap((variables) => (variables?.METRICS_NAMESPACE ? [variables.METRICS_NAMESPACE] : []));
    expect(namespaces.length).toBeGreaterThan(10);
    expect(new Set(namespaces)).toEqual(new Set(['Ops/Jobs']));
    expect(() => synthStack({ context: { metricsNamespace: 'AWS/Lambda' } })).toThrow(/metricsNamespace/);
    expect(() => synthStack({ context: { tracing: 'yes' } })).toThrow(/tracing must be true or false/);
  });

  it('tracing is off by default; -c tracing=true turns on active tracing for every service function', () => {
    const traced = (template = synthed.template) =>
      Object.values(resourcesOf(template, 'AWS::Lambda::Function'))
        .filter((fn) => JSON.stringify(fn.Properties?.Environment ?? {}).includes('METRICS_NAMESPACE'))
        .map((fn) => fn.Properties?.TracingConfig);
    expect(traced().length).toBeGreaterThan(10);
    expect(traced().every((config) => config === undefined)).toBe(true);
    const { template } = synthStack({ context: { tracing: true } });
    const on = traced(template);
    expect(on.every((config) => JSON.stringify(config) === JSON.stringify({ Mode: 'Active' }))).toBe(true);
    // The SDK clients are captured (lambdas/tracing.ts), never recording responses or errors.
    for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      if (!variables?.METRICS_NAMESPACE) continue;
      expect(variables).toMatchObject({
        TRACING: 'true',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      });
    }
  });

  it('with tracing on, the stack still passes cdk-nag (the X-Ray write statement is acknowledged)', () => {
    expect(() => synthStack({ nag: true, context: { tracing: 'true' } })).not.toThrow();
  });
});
