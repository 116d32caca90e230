import { type Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { IConstruct } from 'constructs';

/**
 * Every cdk-nag AwsSolutions finding the stack accepts, acknowledged on the exact construct it concerns, each
 * with the reason. Anything new fails synth until it is fixed or acknowledged here with a reason.
 */
function at(stack: Stack, path: string): IConstruct {
  const found = stack.node.tryFindChild(path.split('/')[0] ?? '')
    ? path.split('/').reduce<IConstruct | undefined>((node, id) => node?.node.tryFindChild(id), stack)
    : undefined;
  if (!found) throw new Error(`nag acknowledgement names a construct that does not exist: ${path}`);
  return found;
}

export function acknowledgeNagFindings(stack: Stack): void {
  const publicRoute =
    'Deliberately public, like any liveness check or API description: it reveals no user data and never queries the database.';
  for (const route of ['Api/HttpApi/GET--health', 'Api/HttpApi/GET--openapi.json']) {
    Validations.of(at(stack, route)).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason: publicRoute,
    });
  }
  for (const route of ['Api/HttpApi/GET--', 'Api/HttpApi/GET--dashboard--{proxy+}']) {
    Validations.of(at(stack, route)).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        "The dashboard's static files (page, script, style, sign-in settings), public like any web page: they hold no user data and the function serving them has no database or queue access; every API call the page makes carries the signed-in user's access token and goes through the JWT authorizer.",
    });
  }
  Validations.of(at(stack, 'Api/HttpApi/DefaultRoute')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-APIG4',
    reason:
      'The $default route only answers 404/405 problem+json for paths no route matched; every real route has the JWT authorizer.',
  });

  Validations.of(at(stack, 'Database/Cluster/Secret')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason:
      'Rotation needs a rotation Lambda inside the VPC plus a Secrets Manager interface endpoint, an always-on cost in a stack built to cost nothing idle. Nothing connects with the password: every access is the Data API with IAM, and the Data API reads the secret per call, so rotation can be added later (cluster.addRotationSingleUser) without code changes.',
  });

  Validations.of(at(stack, 'WebhookKey/Secret')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason:
      'This secret is an encryption key, not a credential: every webhook secret stored in the database is encrypted under it, so replacing it by rotation would make them all unreadable. Changing it needs a re-encryption of the stored secrets (docs/operations.md), not a rotation Lambda.',
  });

  // The two custom resources (schema migration, queue resync) use the CDK Provider framework, whose own function
  // has a role of ours (infra/constructs/provider.ts) that may write its logs and invoke its handler.
  for (const [path, fn] of [
    ['Migrations/ProviderOnEventRole', 'MigrationsMigrator4058986C'],
    ['Resync/ProviderOnEventRole', 'ResyncResyncFunction5409DA33'],
  ] as const) {
    Validations.of(at(stack, path)).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`,
      reason:
        "The CDK Provider framework grants itself invoke on its handler function and that function's versions (ARN:*); it is that one function only.",
    });
  }

  Validations.of(at(stack, 'Database/Cluster')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-RDS6',
    reason:
      'IAM database authentication applies to direct PostgreSQL connections, and there are none: every access is the Data API, authorized by IAM on rds-data actions and the secret.',
  });
  Validations.of(at(stack, 'Database/Cluster')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-RDS10',
    reason:
      'With removal=retain the stack keeps the cluster through its DeletionPolicy (RetainExceptOnCreate) and UpdateReplacePolicy (Retain). Deletion protection would make the rollback of a failed first create fail on a protected cluster and leave it orphaned; docs/operations.md shows how to turn it on after the first deploy.',
  });

  // aws-cdk-lib's log-retention function, which gives the cluster's exported postgresql log group (created by RDS,
  // not by the template) its retention. CDK creates its role; it sets its own logs to a retention of one day.
  const logRetention = stack.node.children.find((child) => child.node.id.startsWith('LogRetention'));
  if (!logRetention) throw new Error('nag acknowledgement: no log-retention function in the stack');
  Validations.of(logRetention).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "aws-cdk-lib's log-retention function writes its own logs with the basic execution role; it is a CDK singleton that runs only while CloudFormation sets a retention.",
  });
  Validations.of(logRetention).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      "aws-cdk-lib's log-retention function is granted logs:PutRetentionPolicy and logs:DeleteRetentionPolicy on '*' by CDK; retention settings are the only thing it can change.",
  });

  // `-c tracing=true` only: X-Ray's write actions have no resource-level permissions.
  for (const fn of stack.node.findAll()) {
    if (!(fn instanceof nodejs.NodejsFunction) || !fn.role) continue;
    if (!(fn.node.defaultChild as lambda.CfnFunction).tracingConfig) continue;
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions (X-Ray service authorization reference); the statement allows only those two write actions, for active tracing.',
    });
  }

  const userPool = stack.node.tryFindChild('Api')?.node.tryFindChild('UserPool');
  if (userPool) {
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) is a per-user cost left to the operator; the pool has no self sign-up and strong passwords.',
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) so machine clients can authenticate; operators can require it per user pool policy.',
    });
  }
}
