import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';
import { databaseEnvironment, limitEnvironment, noticeEnvironment } from './function-environment.js';
import { serviceFunction } from './lambda-function.js';
import type { WebhookKey } from './webhook-key.js';

/** A worker Lambda runs one SQS batch; attempts are capped at 840 s (14 min), so the batch fits in 15 minutes. */
export const WORKER_TIMEOUT = Duration.minutes(15);
/** No batching window: a run-now or due message is handed to the worker at once. */
export const BATCHING_WINDOW = Duration.seconds(0);
/** Lambda's SQS guidance: visibility timeout ≥ 6 × the function timeout + the batching window. */
export const VISIBILITY_TIMEOUT = Duration.seconds(
  6 * WORKER_TIMEOUT.toSeconds() + BATCHING_WINDOW.toSeconds(),
);
/**
 * Receives before a message is parked in the DLQ. A receive that never reaches a healthy run still counts: a
 * throttled invocation (account concurrency exhausted, a cold burst) returns the message to the queue and raises its
 * ApproximateReceiveCount. The worker retries failed tasks by sending a new message, not by failing this one, and it
 * shortens the visibility of a message while it works (heartbeats), so only crashes, poison messages, throttling,
 * infrastructure failures (the database or SQS down: the worker backs off 2 s, 2 s, then 32 s doubling to 15
 * minutes, so ten receives span about 45 minutes of outage) and notices that outran their commit (dropped, not
 * parked, after 30 s) raise the count. A throttled message comes back after the full 90-minute visibility timeout,
 * so 10 receives mean ten throttled deliveries in a row, about 15 hours — an outage the alarms report long before —
 * while a poison message is visible again at once and parked after ten receives. Lambda's guidance is at least 5.
 */
export const MAX_RECEIVE_COUNT = 10;
export const BATCH_SIZE = 5;

/**
 * Background execution in AWS, event-driven: due work travels as (possibly delayed) SQS messages; a worker Lambda
 * consumes the queue, runs each task through the same code as local workers and sends follow-up messages (retries,
 * next occurrences, longer waits as chains of ≤ 900 s delays) to its own queue. Nothing polls the database. Messages
 * that keep failing land in a DLQ; alarms watch its depth and the queue's backlog age.
 */
export class Worker extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly functions: lambda.IFunction[] = [];
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { cluster: rds.DatabaseCluster; settings: StackSettings; webhookKey: WebhookKey },
  ) {
    super(scope, id);
    const { cluster, settings } = props;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the task queue's: a redriven message keeps its first enqueue time.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'TaskQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: VISIBILITY_TIMEOUT,
      // Well above MAX_RECEIVE_COUNT × VISIBILITY_TIMEOUT (15 h): a throttled message reaches the DLQ, never expiry.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    const worker = serviceFunction(this, 'WorkerFunction', {
      handler: 'worker',
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      reservedConcurrentExecutions: settings.workerReservedConcurrency,
      // It sends delayed messages to the queue it consumes; Lambda would stop that chain after ~16 hops.
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      logRetentionDays: settings.logRetentionDays,
      environment: {
        ...databaseEnvironment(cluster),
        ...noticeEnvironment(this.queue, settings),
        ...limitEnvironment(settings),
        ...props.webhookKey.environment(),
        LEASE_SECONDS: '60',
        HEARTBEAT_MS: '5000',
        RETRY_BASE_DELAY_MS: '5000',
        USER_MAX_RUNNING: String(settings.userMaxRunning),
      },
    });
    worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: BATCH_SIZE,
        maxBatchingWindow: BATCHING_WINDOW,
        reportBatchItemFailures: true,
        maxConcurrency: settings.workerConcurrency,
      }),
    );
    cluster.grantDataApiAccess(worker);
    // It signs webhook deliveries: it reads the key that decrypts their secrets.
    props.webhookKey.secret.grantRead(worker);
    // Receive/Delete/ChangeMessageVisibility (heartbeats) come with the event source; SendMessage for follow-ups.
    this.queue.grantConsumeMessages(worker);
    this.queue.grant(worker, 'sqs:SendMessage');
    this.functions.push(worker);

    this.alarms.push(
      new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription: `Task messages failed ${MAX_RECEIVE_COUNT} deliveries and were parked in the DLQ.`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'TaskBacklogAging', {
        alarmDescription:
          'The oldest task message is over 30 minutes old: workers are not keeping up (or are throttled).',
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
        // Above the longest legitimate age: a 900 s delay hop followed by a 14-minute attempt.
        threshold: 1800,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
