import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { LambdaEnvironment } from '../../lambdas/environment-names.js';
import { LAMBDA_BUNDLE, tracerPackageCommands } from '../bundling.js';

export const ROOT_DIR = path.resolve(import.meta.dirname, '..', '..');
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface ServiceFunctionProps {
  /** Entry file under lambdas/handlers/, without extension. */
  handler: string;
  /** Only names the code reads (lambdas/environment-names.ts); LOG_LEVEL is info unless given. */
  environment: LambdaEnvironment;
  logRetentionDays: number;
  timeout?: Duration;
  memorySize?: number;
  reservedConcurrentExecutions?: number;
  /** Lambda stops Lambda → SQS → same Lambda chains after ~16 hops unless this is ALLOW (the worker re-queues). */
  recursiveLoop?: lambda.RecursiveLoop;
  /** Extra bundling hooks (the migrator copies migrations/ into its asset). */
  afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * Adds variables to a function made already (tracing, the metrics namespace): the same LambdaEnvironment type as
 * at creation, so no name the code does not read can be set.
 */
export function addVariables(fn: lambda.Function, environment: LambdaEnvironment): void {
  for (const [name, value] of Object.entries(definedOnly(environment))) fn.addEnvironment(name, value);
}

const definedOnly = (environment: LambdaEnvironment): Record<string, string> =>
  Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

/**
 * Every Lambda of the service: ESM, minified, without source maps, arm64, Node 24, `@aws-sdk/*` from the runtime,
 * its own log group with a retention, structured logs.
 */
export function serviceFunction(
  scope: Construct,
  id: string,
  props: ServiceFunctionProps,
): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // Its own role, allowed to write to its own log group only (not the account-wide AWSLambdaBasicExecutionRole).
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return new nodejs.NodejsFunction(scope, id, {
    role,
    entry: path.join(ROOT_DIR, 'lambdas', 'handlers', `${props.handler}.ts`),
    depsLockFilePath: path.join(ROOT_DIR, 'package-lock.json'),
    projectRoot: ROOT_DIR,
    runtime: LAMBDA_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(29),
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    ...(props.recursiveLoop ? { recursiveLoop: props.recursiveLoop } : {}),
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    // No NODE_OPTIONS=--enable-source-maps and no source maps: measured, the ~2.6 MB map added about 30 ms of CPU
    // to every cold start (docs/operations.md). Errors are logged with their message and the bundle's frames.
    environment: definedOnly({ LOG_LEVEL: 'info', ...props.environment }),
    bundling: {
      // The options infra/bundling.ts defines once (the bundle-budget test builds with the same).
      format: nodejs.OutputFormat.ESM,
      target: LAMBDA_BUNDLE.target,
      minify: LAMBDA_BUNDLE.minify,
      sourceMap: LAMBDA_BUNDLE.sourcemap,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      externalModules: [...LAMBDA_BUNDLE.external],
      banner: LAMBDA_BUNDLE.banner,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir, outputDir) => [
          ...tracerPackageCommands(inputDir, outputDir),
          ...(props.afterBundling?.(inputDir, outputDir) ?? []),
        ],
      },
    },
  });
}
