import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../infra/constructs/lambda-function.js';
import { schemaHash } from '../../infra/schema-hash.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { resourcesOf, synthStack } from './synth.js';

let synthed: ReturnType<typeof synthStack>;
beforeAll(() => {
  synthed = synthStack({ validate: true });
});
const template = () => synthed.template;

describe('database', () => {
  it('is Aurora PostgreSQL 17.5, Serverless v2 from 0 ACU with auto-pause, Data API on, encrypted, retained', () => {
    const clusters = resourcesOf(template(), 'AWS::RDS::DBCluster');
    const [cluster] = Object.values(clusters);
    expect(Object.keys(clusters)).toHaveLength(1);
    expect(cluster?.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: '17.5',
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
    expect(cluster?.DeletionPolicy).toBe('Retain');
    template().hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });

  it('switches to destroy for throw-away stages, and takes capacity from context', () => {
    const { template: t } = synthStack({ context: { removal: 'destroy', minCapacity: 0.5, maxCapacity: 8 } });
    const [cluster] = Object.values(resourcesOf(t, 'AWS::RDS::DBCluster'));
    expect(cluster?.DeletionPolicy).toBe('Delete');
    expect(cluster?.Properties).toMatchObject({
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    expect(JSON.stringify(cluster?.Properties)).not.toContain('SecondsUntilAutoPause');
  });

  it('lives in a VPC with isolated subnets only: no NAT, no internet gateway; no Lambda is in a VPC', () => {
    template().resourceCountIs('AWS::EC2::NatGateway', 0);
    template().resourceCountIs('AWS::EC2::InternetGateway', 0);
    for (const subnet of Object.values(resourcesOf(template(), 'AWS::EC2::Subnet'))) {
      expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(false);
    }
    for (const fn of Object.values(resourcesOf(template(), 'AWS::Lambda::Function')))
      expect(fn.Properties?.VpcConfig).toBeUndefined();
  });
});

describe('API', () => {
  it('has a route per operation; the JWT authorizer on all but health and the OpenAPI document', () => {
    const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties ?? {},
    );
    const keys = routes.map((r) => r.RouteKey).sort();
    expect(keys).toEqual([...ROUTES.map((r) => `${r.method} ${r.path}`), '$default'].sort());
    for (const route of routes) {
      const open = ['GET /health', 'GET /openapi.json', '$default'].includes(String(route.RouteKey));
      expect(route.AuthorizationType, String(route.RouteKey)).toBe(open ? 'NONE' : 'JWT');
    }
    template().hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
  });

  it('an external issuer and audience replace the Cognito pool', () => {
    const { template: t } = synthStack({
      context: { jwtIssuer: 'https://auth.example.com/', jwtAudience: 'jobs-api' },
    });
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://auth.example.com/', Audience: ['jobs-api'] },
    });
  });

  it('API functions give up on a resuming database before API Gateway gives up on them', () => {
    const api = Object.entries(resourcesOf(template(), 'AWS::Lambda::Function')).filter(
      ([id, fn]) => id.startsWith('Api') && JSON.stringify(fn.Properties).includes('CLUSTER_ARN'),
    );
    expect(api.length).toBe(ROUTES.length - 1); // all routes but the OpenAPI document
    for (const [id, fn] of api) {
      const env =
        (fn.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
      expect(Number(env.DATA_API_RETRY_BUDGET_MS), id).toBeLessThan(29_000);
      expect(fn.Properties?.Timeout, id).toBe(29);
    }
  });

  it('throttles the stage and writes JSON access logs', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('runs every function on Node.js 24, arm64, ESM bundles with a log group of bounded retention', () => {
    const functions = Object.values(resourcesOf(template(), 'AWS::Lambda::Function')).filter(
      (fn) => !JSON.stringify(fn.Properties).includes('framework'),
    );
    expect(functions.length).toBe(ROUTES.length + 4); // routes + not-found, migrator, worker, scheduler
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties?.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: expect.anything() });
    }
    for (const group of Object.values(resourcesOf(template(), 'AWS::Logs::LogGroup'))) {
      expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });
});

describe('permissions', () => {
  it('grants Data API and secret access scoped to the cluster and its secret, never "*"', () => {
    const statements = Object.values(resourcesOf(template(), 'AWS::IAM::Policy')).flatMap(
      (p) =>
        (
          p.Properties?.PolicyDocument as
            | { Statement: { Action: string | string[]; Resource: unknown }[] }
            | undefined
        )?.Statement ?? [],
    );
    const dataApi = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('rds-data:')));
    const secrets = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(dataApi.length).toBeGreaterThanOrEqual(14);
    for (const statement of dataApi) {
      expect([statement.Action].flat().sort()).toEqual([
        'rds-data:BatchExecuteStatement',
        'rds-data:BeginTransaction',
        'rds-data:CommitTransaction',
        'rds-data:ExecuteStatement',
        'rds-data:RollbackTransaction',
      ]);
      expect(JSON.stringify(statement.Resource)).toMatch(/DatabaseCluster/);
      expect(statement.Resource).not.toBe('*');
    }
    for (const statement of secrets)
      expect(JSON.stringify(statement.Resource)).toMatch(/DatabaseClusterSecret/);
    // Functions that never query the database get no database permission at all.
    const roles = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p).includes('rds-data:'))
      .map(([id]) => id);
    expect(roles.some((id) => /Openapi|NotFound/.test(id))).toBe(false);
  });
});

describe('deploy order and migrations', () => {
  it('the schema resource waits for the writer instance, and every function that serves work waits for the schema', () => {
    const schemas = Object.entries(resourcesOf(template(), 'Custom::DatabaseSchema'));
    expect(schemas).toHaveLength(1);
    const [schemaId = '', schema] = schemas[0] ?? [];
    const instanceId = Object.keys(resourcesOf(template(), 'AWS::RDS::DBInstance'))[0];
    expect(schema?.DependsOn).toEqual(expect.arrayContaining([instanceId]));
    const functions = resourcesOf(template(), 'AWS::Lambda::Function');
    const serving = Object.entries(functions).filter(([id]) => /^(Api|Worker)/.test(id));
    expect(serving.length).toBe(ROUTES.length + 3);
    for (const [id, fn] of serving) expect([fn.DependsOn].flat(), id).toContain(schemaId);
  });

  it("carries the hash of the migrations and the migrator as the schema resource's only input", () => {
    const [schema] = Object.values(resourcesOf(template(), 'Custom::DatabaseSchema'));
    expect(Object.keys(schema?.Properties ?? {}).sort()).toEqual(['InputsHash', 'ServiceToken']);
    expect(schema?.Properties?.InputsHash).toBe(schemaHash(ROOT_DIR));
  });

  it('synthesizes the same template twice (deterministic)', () => {
    expect(synthStack().template.toJSON()).toEqual(synthStack().template.toJSON());
  });
});

describe('worker plumbing', () => {
  it('queue with DLQ, SQS-fed worker with partial batch failures and reserved concurrency, minute schedule, alarms', () => {
    template().hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template().hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 10,
      Timeout: 900,
    });
    template().hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
    });
  });

  it('outputs what a user needs after deploy', () => {
    for (const name of ['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'ClusterArn', 'SecretArn', 'QueueUrl']) {
      template().hasOutput(name, {});
    }
  });
});
