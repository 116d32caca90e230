/**
 * Every metric the service emits, as plain data: lambdas/metrics.ts writes them, and the dashboard and alarms in
 * infra/ read them, so an alarm cannot watch a name the code does not emit. Dimensions are bounded on purpose:
 * `job_type` is a job type with a handler (lambdas/job-types/) or `unknown`, `route` is the route template (never
 * a raw path), `status_class` is 2xx…5xx. Never a user id, job id or task id.
 */
export const METRIC_NAMESPACE_DEFAULT = 'BackgroundJobService';
/** The `service` of every log line and metric. */
export const SERVICE_NAME = 'background-job-service';

/** Every metric also carries `service`; these are the dimension sets each one is published under. */
export const METRICS = {
  TaskStarted: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  TaskSucceeded: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  TaskFailed: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  TaskRetried: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  TaskCancelled: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  TaskTimedOut: { unit: 'Count', dimensions: [['service'], ['service', 'job_type']] },
  /** From the handler's start to the attempt's end, in ms. */
  TaskRunDuration: { unit: 'Milliseconds', dimensions: [['service'], ['service', 'job_type']] },
  /** From the task's due time (run_at) to the attempt's start, in ms. */
  TaskQueueDelay: { unit: 'Milliseconds', dimensions: [['service'], ['service', 'job_type']] },
  RequestCount: {
    unit: 'Count',
    dimensions: [['service'], ['service', 'status_class'], ['service', 'route', 'status_class']],
  },
  RequestLatency: { unit: 'Milliseconds', dimensions: [['service'], ['service', 'route']] },
  /** A Data API call sent again (docs/semantics.md, "What is retried"). */
  DataApiRetry: { unit: 'Count', dimensions: [['service']] },
  /** A Data API call answered "the cluster is resuming from auto-pause". */
  DataApiResuming: { unit: 'Count', dimensions: [['service']] },
} as const;

export type MetricName = keyof typeof METRICS;
export type MetricDimension = (typeof METRICS)[MetricName]['dimensions'][number][number];

/** The task metrics that count an attempt's end, one per outcome. */
export const TASK_OUTCOME_METRICS = [
  'TaskSucceeded',
  'TaskFailed',
  'TaskRetried',
  'TaskCancelled',
  'TaskTimedOut',
] as const satisfies readonly MetricName[];
