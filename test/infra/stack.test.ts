import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_ROUTES } from '../../infra/constructs/dashboard.js';
import { ROOT_DIR } from '../../infra/constructs/lambda-function.js';
import { resyncHash, schemaHash } from '../../infra/schema-hash.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { resourcesOf, synthStack } from './synth.js';
import { apiFunctionId, environmentOf, statementsOf, synthesizedTemplate } from './template-helpers.js';

const template = synthesizedTemplate();

describe('database', () => {
  it('is Aurora PostgreSQL 17.5, Serverless v2 from 0 ACU with auto-pause, Data API on, encrypted, kept', () => {
    const clusters = resourcesOf(template(), 'AWS::RDS::DBCluster');
    const [cluster] = Object.values(clusters);
    expect(Object.keys(clusters)).toHaveLength(1);
    expect(cluster?.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: '17.5',
      EnableHttpEndpoint: true,
      StorageEncrypted: true,
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
    expect(cluster?.DeletionPolicy).toBe('RetainExceptOnCreate');
    template().hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });

  it('pins the engine version and does not upgrade minor versions behind the template', () => {
    const [instance] = Object.values(resourcesOf(template(), 'AWS::RDS::DBInstance'));
    expect(instance?.Properties?.AutoMinorVersionUpgrade).toBe(false);
    const [cluster] = Object.values(resourcesOf(template(), 'AWS::RDS::DBCluster'));
    expect(cluster?.Properties?.EngineVersion).toBe('17.5');
  });

  it('has no unused settings: no IAM database authentication (nothing connects directly)', () => {
    const [cluster] = Object.values(resourcesOf(template(), 'AWS::RDS::DBCluster'));
    expect(cluster?.Properties?.EnableIAMDatabaseAuthentication).toBeUndefined();
    for (const [id, fn] of Object.entries(resourcesOf(template(), 'AWS::Lambda::Function')))
      expect(environmentOf(fn).NODE_OPTIONS, id).toBeUndefined();
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
  it('has a route per operation and the dashboard; the JWT authorizer on all but health, the OpenAPI document and the dashboard (not /health/deep)', () => {
    const routes = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties ?? {},
    );
    const keys = routes.map((r) => r.RouteKey).sort();
    const dashboard = DASHBOARD_ROUTES.map((path) => `GET ${path}`);
    expect(keys).toEqual([...ROUTES.map((r) => `${r.method} ${r.path}`), ...dashboard, '$default'].sort());
    for (const route of routes) {
      const open = ['GET /health', 'GET /openapi.json', ...dashboard, '$default'].includes(
        String(route.RouteKey),
      );
      expect(route.AuthorizationType, String(route.RouteKey)).toBe(open ? 'NONE' : 'JWT');
    }
    template().hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      // The API client's and the dashboard's (test/infra/dashboard.test.ts).
      JwtConfiguration: { Audience: [Match.anyValue(), Match.anyValue()], Issuer: Match.anyValue() },
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
    // Every route but the public health check and the OpenAPI document.
    expect(api.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      ROUTES.filter((r) => r.database !== false)
        .map((r) => apiFunctionId(r.handler))
        .sort(),
    );
    expect(ROUTES.filter((r) => r.database === false).map((r) => r.path)).toEqual([
      '/health',
      '/openapi.json',
    ]);
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
    const ours = functions.filter((fn) => !JSON.stringify(fn.Properties).includes('LogRetention'));
    expect(ours.length).toBe(ROUTES.length + 5); // routes + not-found, migrator, worker, resync, dashboard
    for (const fn of ours) {
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
      expect(JSON.stringify(statement.Resource)).toMatch(/DatabaseClusterSecret|WebhookKeySecret/);
    // The webhook key: only the functions that encrypt (create, update) or decrypt (the worker) may read it.
    const keyReaders = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p).includes('WebhookKeySecret'))
      .map(([id]) => id.replace(/RoleDefaultPolicy.*$/, ''))
      .sort();
    expect(keyReaders).toEqual(
      [...['create-job', 'update-job'].map(apiFunctionId), 'WorkerWorkerFunction'].sort(),
    );
    // Functions that never query the database get no database permission at all.
    const roles = Object.entries(resourcesOf(template(), 'AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p).includes('rds-data:'))
      .map(([id]) => id);
    expect(roles.some((id) => /Openapi|NotFound|ApiHealthFunction/.test(id))).toBe(false);
    expect(roles.some((id) => id.startsWith('ApiHealthDeepFunction'))).toBe(true);
  });

  it('only the API functions that announce work (create, update, run, cancel, delete) may send to the queue, and only SendMessage', () => {
    const api = statementsOf(template()).filter(({ id }) => id.startsWith('Api'));
    const senders = api.filter(({ actions }) => actions.some((a) => a.startsWith('sqs:')));
    expect(senders.map(({ id }) => id.replace(/RoleDefaultPolicy.*$/, '')).sort()).toEqual(
      ['cancel-job', 'cancel-task', 'create-job', 'delete-job', 'run-job', 'update-job']
        .map(apiFunctionId)
        .sort(),
    );
    for (const { statement, actions } of senders) {
      expect(actions).toEqual(['sqs:SendMessage']);
      expect(JSON.stringify(statement.Resource)).toMatch(/WorkerTaskQueue/);
    }
    const withQueueUrl = Object.entries(resourcesOf(template(), 'AWS::Lambda::Function'))
      .filter(([id, fn]) => id.startsWith('Api') && 'QUEUE_URL' in environmentOf(fn))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(withQueueUrl.sort()).toEqual(
      ROUTES.filter((r) => r.queue)
        .map((r) => apiFunctionId(r.handler))
        .sort(),
    );
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
    expect(serving.length).toBe(ROUTES.length + 2); // routes + not-found + worker
    for (const [id, fn] of serving) expect([fn.DependsOn].flat(), id).toContain(schemaId);
  });

  it("carries the hash of the migrations and the migrator as the schema resource's only input", () => {
    const [schema] = Object.values(resourcesOf(template(), 'Custom::DatabaseSchema'));
    expect(Object.keys(schema?.Properties ?? {}).sort()).toEqual(['InputsHash', 'ServiceToken']);
    expect(schema?.Properties?.InputsHash).toBe(schemaHash(ROOT_DIR));
  });

  it('the resync resource runs after the schema, with a hash of the code as its only input (no deploy-time value)', () => {
    const [schemaId] = Object.keys(resourcesOf(template(), 'Custom::DatabaseSchema'));
    const resyncs = Object.values(resourcesOf(template(), 'Custom::TaskQueueResync'));
    expect(resyncs).toHaveLength(1);
    const [resync] = resyncs;
    expect([resync?.DependsOn].flat()).toContain(schemaId);
    expect(Object.keys(resync?.Properties ?? {}).sort()).toEqual(['InputsHash', 'ServiceToken']);
    expect(resync?.Properties?.InputsHash).toBe(resyncHash(ROOT_DIR));
    const forced = synthStack({ context: { resync: '2026-11-25' } }).template;
    const [again] = Object.values(resourcesOf(forced, 'Custom::TaskQueueResync'));
    expect(again?.Properties?.InputsHash).toBe(resyncHash(ROOT_DIR, '2026-11-25'));
    expect(again?.Properties?.InputsHash).not.toBe(resync?.Properties?.InputsHash);
  });

  it('the resync function reads the database and may only send to the task queue', () => {
    const [, fn] =
      Object.entries(resourcesOf(template(), 'AWS::Lambda::Function')).find(([id]) =>
        id.startsWith('ResyncResyncFunction'),
      ) ?? [];
    expect(environmentOf(fn ?? {})).toMatchObject({
      QUEUE_URL: { Ref: expect.stringMatching(/^WorkerTaskQueue/) },
    });
    expect(environmentOf(fn ?? {})).toHaveProperty('CLUSTER_ARN');
    const own = statementsOf(template()).filter(({ id }) => id.startsWith('ResyncResyncFunctionRole'));
    expect(own.flatMap(({ actions }) => actions.filter((a) => a.startsWith('sqs:')))).toEqual([
      'sqs:SendMessage',
    ]);
    expect(own.some(({ actions }) => actions.includes('rds-data:ExecuteStatement'))).toBe(true);
  });

  it('synthesizes the same template twice (deterministic)', () => {
    expect(synthStack().template.toJSON()).toEqual(synthStack().template.toJSON());
  });
});

describe('per-user limits', () => {
  const limitsOf = (t = template()) =>
    Object.entries(resourcesOf(t, 'AWS::Lambda::Function'))
      .filter(([id]) => id.startsWith(apiFunctionId('run-job')) || id.startsWith('WorkerWorkerFunction'))
      .map(([id, fn]) => [id.replace(/[0-9A-F]{8}$/, ''), environmentOf(fn).USER_MAX_QUEUED])
      .sort();

  it('USER_MAX_QUEUED reaches the run-now route and the worker: 10,000 by default, else the context value', () => {
    expect(limitsOf()).toEqual([
      ['ApiRunJobFunction', '10000'],
      ['WorkerWorkerFunction', '10000'],
    ]);
    expect(
      limitsOf(synthStack({ context: { userMaxQueued: 0 } }).template).map(([, value]) => value),
    ).toEqual(['0', '0']);
    expect(() => synthStack({ context: { userMaxQueued: 2.5 } })).toThrow(
      /userMaxQueued must be a whole number/,
    );
    expect(() => synthStack({ context: { userMaxQueued: -1 } })).toThrow(
      /userMaxQueued must be a number from 0 to 2000000000/,
    );
  });
});
