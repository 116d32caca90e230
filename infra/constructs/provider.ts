import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/**
 * The CDK Provider framework for one custom resource handler (at `<scope>/Provider`, so the framework function and
 * the resource's ServiceToken stay what they were: CloudFormation refuses to change a ServiceToken). Its own
 * function logs to a group of bounded retention (Lambda's default group would keep logs forever) under a role that
 * may write to that group only — not the account-wide AWSLambdaBasicExecutionRole; the framework adds the invoke
 * permission on the handler itself.
 */
export function handlerProvider(
  scope: Construct,
  props: { onEventHandler: lambda.IFunction; logRetentionDays: number },
): cr.Provider {
  const logGroup = new logs.LogGroup(scope, 'ProviderLogs', {
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'ProviderOnEventRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return new cr.Provider(scope, 'Provider', {
    onEventHandler: props.onEventHandler,
    frameworkOnEventRole: role,
    logGroup,
  });
}
