import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { LambdaEnvironment } from '../../lambdas/environment-names.js';
import type { StackSettings } from '../settings.js';
import { DATABASE_NAME } from './database.js';

/**
 * What a function needs to reach the database through the Data API (the grant is separate). `retryBudgetMs`
 * bounds how long calls are retried while Aurora resumes; unset, the code's default applies.
 */
export function databaseEnvironment(
  cluster: rds.DatabaseCluster,
  options: { retryBudgetMs?: number } = {},
): LambdaEnvironment {
  return {
    DB_DRIVER: 'data-api',
    CLUSTER_ARN: cluster.clusterArn,
    SECRET_ARN: cluster.secret?.secretArn ?? '',
    DATABASE_NAME,
    ...(options.retryBudgetMs === undefined
      ? {}
      : { DATA_API_RETRY_BUDGET_MS: String(options.retryBudgetMs) }),
  };
}

/** The per-user limits (docs/semantics.md), for the worker and every API function with the database (the run-now route acts on them). */
export function limitEnvironment(settings: StackSettings): LambdaEnvironment {
  return { USER_MAX_QUEUED: String(settings.userMaxQueued) };
}

/** Seconds before due work a paused cluster is woken: its resume takes about 15 s (30 s or more after a day). */
export const WAKE_AHEAD_SECONDS = 30;

/**
 * What a function that sends work notices needs: the queue, and — when the cluster can pause (min 0 ACU) — the
 * pause delay, so that notices waiting longer arrive early enough to wake it (lambdas/domain/notices.ts).
 */
export function noticeEnvironment(queue: sqs.IQueue, settings: StackSettings): LambdaEnvironment {
  const pauses = settings.minCapacity === 0;
  return {
    QUEUE_URL: queue.queueUrl,
    DB_AUTO_PAUSE_SECONDS: pauses ? String(settings.autoPauseMinutes * 60) : '0',
    DB_WAKE_AHEAD_SECONDS: pauses ? String(WAKE_AHEAD_SECONDS) : '0',
  };
}
