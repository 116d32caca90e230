import { functionName, serviceName } from './logger.js';
import { METRIC_NAMESPACE_DEFAULT, METRICS, type MetricDimension, type MetricName } from './metrics-names.js';

/**
 * CloudWatch embedded metric format (EMF): each metric is one JSON line on stdout that CloudWatch Logs turns into a
 * metric, so recording one costs no AWS API call on the hot path. Written in Lambda (where the log group receives
 * it) and locally only when METRICS_STDOUT=true; METRICS_STDOUT=false silences it (the local Lambda emulation's
 * tests). The namespace is METRICS_NAMESPACE.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
const enabled = () =>
  process.env.METRICS_STDOUT === 'true' ||
  (process.env.METRICS_STDOUT !== 'false' && Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME));
export const metricsNamespace = () => process.env.METRICS_NAMESPACE || METRIC_NAMESPACE_DEFAULT;

type Dimensions = Partial<Record<Exclude<MetricDimension, 'service'>, string>>;

export function putMetric(name: MetricName, value: number, dimensions: Dimensions = {}): void {
  if (!enabled()) return;
  const definition = METRICS[name];
  const values: Record<string, string> = { service: serviceName(), ...dimensions };
  // A set is published only when every dimension it names has a value.
  const sets = definition.dimensions.filter((set) => set.every((key) => values[key] !== undefined));
  const line = JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: metricsNamespace(), Dimensions: sets, Metrics: [{ Name: name, Unit: definition.unit }] },
      ],
    },
    ...values,
    function: functionName(),
    [name]: value,
  });
  process.stdout.write(`${line}\n`);
}

/** 2xx, 4xx, 5xx: a bounded dimension. */
export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;
