import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as health } from '../../lambdas/handlers/health.js';
import { sampleEvent } from '../support/events.js';
import { captureLines } from '../support/log-lines.js';

/**
 * A handler's log line as Lambda stores it: written straight to stdout as one JSON object (Lambda's JSON log
 * format keeps such a line as it is), with the function's name, the invocation's request id, cold_start on the
 * first invocation only, and X-Ray's trace id when tracing is on. Lambda's own variables are set as Lambda does.
 */
const LAMBDA_ENVIRONMENT = {
  AWS_LAMBDA_FUNCTION_NAME: 'TestStack-ApiHealthFunction',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  LOG_LEVEL: 'info',
  METRICS_NAMESPACE: 'LambdaLogLinesTest',
};
let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  saved = Object.fromEntries(Object.keys(LAMBDA_ENVIRONMENT).map((key) => [key, process.env[key]]));
  Object.assign(process.env, LAMBDA_ENVIRONMENT);
});
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const invoke = (requestId: string) =>
  captureLines(async (lines) => {
    const event = sampleEvent({ routeKey: 'GET /health', rawPath: '/health' });
    event.requestContext.requestId = requestId;
    expect((await health(event)).statusCode).toBe(200);
    return lines.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
  });

describe('a handler in Lambda', () => {
  it('writes one JSON object per line with service, function, request_id, cold_start and xray_trace_id', async () => {
    const first = await invoke('req-1');
    const second = await invoke('req-2');
    const request = (lines: Record<string, unknown>[]) => lines.find((line) => line.message === 'request');
    expect(request(first)).toMatchObject({
      level: 'info',
      service: 'background-job-service',
      function: 'TestStack-ApiHealthFunction',
      request_id: 'req-1',
      route: 'GET /health',
      status: 200,
      cold_start: true,
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
    });
    expect(request(second)).toMatchObject({ request_id: 'req-2', cold_start: false });
  });

  it('emits EMF there without METRICS_STDOUT: request count and latency for the route template', async () => {
    const lines = await invoke('req-3');
    const metrics = lines.filter((line) => '_aws' in line);
    expect(metrics.map((line) => Object.keys(line).find((key) => key.startsWith('Request'))).sort()).toEqual([
      'RequestCount',
      'RequestLatency',
    ]);
    for (const line of metrics) expect(line).toMatchObject({ route: 'GET /health', status_class: '2xx' });
  });

  it('each EMF line meets the specification: Timestamp in ms, ≤ 30 dimensions, ≤ 100 metrics, a CloudWatch unit', async () => {
    const before = Date.now();
    const metrics = (await invoke('req-4')).filter((line) => '_aws' in line);
    const after = Date.now();
    expect(metrics.length).toBeGreaterThan(0);
    // CloudWatch rejects a Timestamp in seconds (it lies 55 years in the past) or out of its accepted window.
    const units = ['Milliseconds', 'Count', 'Seconds', 'Bytes', 'Percent', 'None'];
    for (const line of metrics) {
      const aws = line._aws as {
        Timestamp: number;
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
      expect(Number.isInteger(aws.Timestamp)).toBe(true);
      expect(aws.Timestamp).toBeGreaterThanOrEqual(before);
      expect(aws.Timestamp).toBeLessThanOrEqual(after);
      for (const directive of aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe('LambdaLogLinesTest');
        expect(directive.Metrics.length).toBeLessThanOrEqual(100);
        for (const set of directive.Dimensions) {
          expect(set.length).toBeGreaterThan(0);
          expect(set.length).toBeLessThanOrEqual(30);
          for (const key of set) expect(typeof line[key], key).toBe('string');
        }
        for (const metric of directive.Metrics) {
          expect(units).toContain(metric.Unit);
          expect(typeof line[metric.Name], metric.Name).toBe('number');
        }
      }
    }
  });

  it("a caller's fields cannot overwrite the line's level, message, service or function", async () => {
    const { createLogger } = await import('../../lambdas/logger.js');
    const lines = await captureLines(async (captured) => {
      createLogger({ service: 'spoofed' }).error('handler failed', {
        level: 'debug',
        message: 'x',
        function: 'f',
      });
      return captured.stderr.map((line) => JSON.parse(line) as Record<string, unknown>);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      message: 'handler failed',
      service: 'background-job-service',
      function: 'TestStack-ApiHealthFunction',
    });
    expect(Object.keys(lines[0] ?? {}).slice(0, 3)).toEqual(['level', 'time', 'message']);
  });
});
