import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';
import { DATABASE_NAME } from './database.js';
import { serviceFunction } from './lambda-function.js';

/** A worker Lambda runs one SQS batch; attempts are capped at 840 s (14 min), so the batch fits in 15 minutes. */
const WORKER_TIMEOUT = Duration.minutes(15);

/**
 * Background execution in AWS: every minute a scheduler Lambda materialises due occurrences, reaps expired
 * leases and sends due tasks to SQS; a worker Lambda consumes the queue and runs each task through the same code
 * as local workers. Messages that keep failing land in a DLQ; alarms watch its depth and the queue's backlog age.
 */
export class Worker extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly functions: lambda.IFunction[] = [];
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { cluster: rds.DatabaseCluster; settings: StackSettings },
  ) {
    super(scope, id);
    const { cluster, settings } = props;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'TaskQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda requires the visibility timeout to be at least the function timeout.
      visibilityTimeout: WORKER_TIMEOUT.plus(Duration.minutes(1)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const database = {
      DB_DRIVER: 'data-api',
      CLUSTER_ARN: cluster.clusterArn,
      SECRET_ARN: cluster.secret?.secretArn ?? '',
      DATABASE_NAME,
      LOG_LEVEL: 'info',
    };
    const worker = serviceFunction(this, 'WorkerFunction', {
      handler: 'worker',
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      reservedConcurrentExecutions: settings.workerConcurrency,
      logRetentionDays: settings.logRetentionDays,
      environment: { ...database, LEASE_SECONDS: '60', HEARTBEAT_MS: '5000', RETRY_BASE_DELAY_MS: '5000' },
    });
    worker.addEventSource(new SqsEventSource(this.queue, { batchSize: 5, reportBatchItemFailures: true }));
    cluster.grantDataApiAccess(worker);

    const scheduler = serviceFunction(this, 'SchedulerFunction', {
      handler: 'scheduler',
      timeout: Duration.seconds(55),
      reservedConcurrentExecutions: 1,
      logRetentionDays: settings.logRetentionDays,
      environment: { ...database, QUEUE_URL: this.queue.queueUrl },
    });
    cluster.grantDataApiAccess(scheduler);
    this.queue.grantSendMessages(scheduler);
    new events.Rule(this, 'EveryMinute', {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(scheduler, { retryAttempts: 0 })],
    });
    this.functions.push(worker, scheduler);

    this.alarms.push(
      new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription: 'Task messages failed five deliveries and were parked in the DLQ.',
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
          'The oldest waiting task message is over 10 minutes old: workers are not keeping up.',
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
        threshold: 600,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
