import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * The CDK Provider framework for one custom resource handler, with the framework's own function logging to a log
 * group of bounded retention (Lambda's default group would keep logs forever) under a role that may write to that
 * group only — not the account-wide AWSLambdaBasicExecutionRole. The framework adds the invoke permission itself.
 */
export class HandlerProvider extends Construct {
  readonly provider: cr.Provider;

  constructor(
    scope: Construct,
    id: string,
    props: { onEventHandler: lambda.IFunction; logRetentionDays: number },
  ) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'OnEventRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.onEventHandler,
      frameworkOnEventRole: role,
      logGroup,
    });
  }
}
