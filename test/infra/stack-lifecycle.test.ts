import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes.js';
import { resourcesOf, synthStack } from './synth.js';
import { environmentOf, statementsOf, synthesizedTemplate } from './template-helpers.js';

const template = synthesizedTemplate();

describe('event-driven worker', () => {
  const workerOf = (t = template()) => {
    const entry = Object.entries(resourcesOf(t, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('WorkerWorkerFunction'),
    );
    if (!entry) throw new Error('no worker function');
    return entry[1];
  };
  const mappingOf = (t = template()) => Object.values(resourcesOf(t, 'AWS::Lambda::EventSourceMapping'))[0];
  const taskQueue = () =>
    Object.entries(resourcesOf(template(), 'AWS::SQS::Queue')).find(([id]) =>
      id.startsWith('WorkerTaskQueue'),
    )?.[1];

  it('nothing polls: no EventBridge rule or schedule, no scheduler function', () => {
    template().resourceCountIs('AWS::Events::Rule', 0);
    template().resourceCountIs('AWS::Scheduler::Schedule', 0);
    const ids = Object.keys(resourcesOf(template(), 'AWS::Lambda::Function'));
    expect(ids.filter((id) => /scheduler/i.test(id))).toEqual([]);
  });

  it('the worker may re-queue to its own queue: recursive loops allowed, SendMessage and visibility changes granted', () => {
    const worker = workerOf();
    expect(worker.Properties?.RecursiveLoop).toBe('Allow');
    expect(environmentOf(worker)).toMatchObject({
      QUEUE_URL: { Ref: expect.stringMatching(/^WorkerTaskQueue/) },
    });
    const actions = statementsOf(template())
      .filter(({ id }) => id.startsWith('WorkerWorkerFunctionRole'))
      .filter(({ statement }) => JSON.stringify(statement.Resource).includes('WorkerTaskQueue'))
      .flatMap(({ actions }) => actions);
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']),
    );
    for (const fn of Object.entries(resourcesOf(template(), 'AWS::Lambda::Function')))
      if (!fn[0].startsWith('WorkerWorkerFunction'))
        expect(fn[1].Properties?.RecursiveLoop, fn[0]).toBeUndefined();
  });

  it('batches of 5 with partial batch failures, no batching window, maxConcurrency 10 and no reserved concurrency by default', () => {
    expect(mappingOf()?.Properties).toMatchObject({
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumBatchingWindowInSeconds: 0,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    expect(workerOf().Properties?.ReservedConcurrentExecutions).toBeUndefined();
    expect(workerOf().Properties?.Timeout).toBe(900);
  });

  it('takes maxConcurrency and reserved concurrency from context, and refuses a maxConcurrency above the reservation', () => {
    const { template: t } = synthStack({ context: { workerConcurrency: 4, workerReservedConcurrency: 6 } });
    expect(mappingOf(t)?.Properties?.ScalingConfig).toEqual({ MaximumConcurrency: 4 });
    expect(workerOf(t).Properties?.ReservedConcurrentExecutions).toBe(6);
    expect(() => synthStack({ context: { workerConcurrency: 20, workerReservedConcurrency: 10 } })).toThrow(
      /workerConcurrency \(20\) must not exceed workerReservedConcurrency \(10\)/,
    );
    expect(() => synthStack({ context: { workerConcurrency: 1 } })).toThrow(
      /workerConcurrency must be a number from 2 to 1000/,
    );
    expect(() => synthStack({ context: { workerReservedConcurrency: 0 } })).toThrow(
      /workerReservedConcurrency must be a number from 1 to 1000/,
    );
  });

  it('passes userMaxRunning to the worker as USER_MAX_RUNNING (default 0), and refuses a bad value at synth', () => {
    const variables = (t = template()) =>
      (workerOf(t).Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables ?? {};
    expect(variables().USER_MAX_RUNNING).toBe('0');
    expect(variables(synthStack({ context: { userMaxRunning: '5' } }).template).USER_MAX_RUNNING).toBe('5');
    for (const bad of ['-1', '2.5', 'many'])
      expect(() => synthStack({ context: { userMaxRunning: bad } })).toThrow(/userMaxRunning/);
  });

  it("the queue's visibility timeout is at least 6 × the worker's timeout plus the batching window (Lambda's guidance)", () => {
    const timeout = Number(workerOf().Properties?.Timeout);
    const window = Number(mappingOf()?.Properties?.MaximumBatchingWindowInSeconds ?? 0);
    expect(Number(taskQueue()?.Properties?.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * timeout + window);
  });

  it('redrives to a DLQ only after 10 receives, and keeps messages long enough for that to happen', () => {
    const queue = taskQueue()?.Properties ?? {};
    const redrive = queue.RedrivePolicy as { maxReceiveCount: number; deadLetterTargetArn: unknown };
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(redrive.deadLetterTargetArn)).toMatch(/WorkerDeadLetterQueue/);
    expect(Number(queue.MessageRetentionPeriod)).toBeGreaterThan(
      redrive.maxReceiveCount * Number(queue.VisibilityTimeout),
    );
  });
});

describe('alarms', () => {
  const topicId = () => Object.keys(resourcesOf(template(), 'AWS::SNS::Topic'))[0] ?? '';

  it('every alarm notifies the alarm topic when it fires and when it clears', () => {
    const alarms = Object.entries(resourcesOf(template(), 'AWS::CloudWatch::Alarm'));
    // The two queue alarms, and the operations alarms (test/infra/observability.test.ts names them).
    expect(alarms.map(([, a]) => a.Properties?.MetricName)).toEqual(
      expect.arrayContaining(['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible']),
    );
    expect(alarms).toHaveLength(5);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties?.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties?.OKActions, id).toEqual([{ Ref: topicId() }]);
    }
  });

  it('the topic is encrypted with a rotating key CloudWatch may use, and refuses publishing without TLS', () => {
    const [topic] = Object.values(resourcesOf(template(), 'AWS::SNS::Topic'));
    const keyRef = topic?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: string[] } | undefined;
    const keyId = keyRef?.['Fn::GetAtt']?.[0] ?? '';
    const key = resourcesOf(template(), 'AWS::KMS::Key')[keyId];
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key?.Properties?.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '123456789012' } }),
          }),
        ]),
      },
    });
    template().hasOutput('AlarmTopicArn', { Value: { Ref: topicId() } });
  });

  it('subscribes an email address only when alarmEmail is given, and refuses one that is not an address', () => {
    template().resourceCountIs('AWS::SNS::Subscription', 0);
    const { template: t } = synthStack({ context: { alarmEmail: 'ops@example.com' } });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    expect(() => synthStack({ context: { alarmEmail: 'not an address' } })).toThrow(
      /context alarmEmail must be an email address/,
    );
  });

  it('outputs what a user needs after deploy', () => {
    for (const name of [
      'ApiUrl',
      'UserPoolId',
      'UserPoolClientId',
      'ClusterArn',
      'SecretArn',
      'QueueUrl',
      'AlarmTopicArn',
      'DashboardUrl',
      'DashboardClientId',
    ]) {
      template().hasOutput(name, {});
    }
  });
});

describe('removal', () => {
  /** Every logical ID a resource refers to (Ref, Fn::GetAtt, DependsOn). */
  const referencesOf = (resource: unknown): string[] => {
    const found = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) for (const item of value) walk(item);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'Ref' && typeof inner === 'string') found.add(inner);
          else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.add(String(inner[0]));
          else walk(inner);
        }
      }
    };
    const { Properties, DependsOn } = resource as { Properties?: unknown; DependsOn?: unknown };
    walk(Properties);
    for (const id of [DependsOn ?? []].flat()) found.add(String(id));
    return [...found];
  };

  it('retain keeps the cluster with everything it needs — writer, secret, subnet group, security group, VPC, subnets — and nothing kept refers to something deleted', () => {
    const all = resourcesOf(template());
    const kept = Object.entries(all).filter(([, r]) => r.DeletionPolicy?.startsWith('Retain'));
    const keptTypes = new Set(kept.map(([, r]) => r.Type));
    for (const type of [
      'AWS::RDS::DBCluster',
      'AWS::RDS::DBInstance',
      'AWS::RDS::DBSubnetGroup',
      'AWS::SecretsManager::Secret',
      'AWS::SecretsManager::SecretTargetAttachment',
      'AWS::EC2::SecurityGroup',
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::Cognito::UserPool',
    ])
      expect(keptTypes, type).toContain(type);
    for (const [id, resource] of kept) {
      // RetainExceptOnCreate: a failed first create rolls back without leaving orphans; Retain on replacement.
      expect(resource.DeletionPolicy, id).toBe('RetainExceptOnCreate');
      expect((resource as { UpdateReplacePolicy?: string }).UpdateReplacePolicy, id).toBe('Retain');
      for (const ref of referencesOf(resource).filter((ref) => ref in all))
        expect(all[ref]?.DeletionPolicy, `${id} refers to ${ref}`).toBe('RetainExceptOnCreate');
    }
    // Deletion protection off: RDS would refuse the rollback's delete of a protected cluster (an orphan again).
    const [cluster] = Object.values(resourcesOf(template(), 'AWS::RDS::DBCluster'));
    expect(cluster?.Properties?.DeletionProtection).toBe(false);
  });

  it('destroy keeps nothing', () => {
    const { template: t } = synthStack({ context: { removal: 'destroy' } });
    const kept = Object.entries(resourcesOf(t)).filter(([, r]) => r.DeletionPolicy?.startsWith('Retain'));
    expect(kept.map(([id]) => id)).toEqual([]);
  });
});

describe('log retention', () => {
  it('refuses a retention CloudWatch Logs does not offer, at synth, naming the allowed values', () => {
    expect(() => synthStack({ context: { logRetentionDays: 45 } })).toThrow(
      /context logRetentionDays must be one of CloudWatch Logs' retention periods \(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653\), got 45/,
    );
    expect(() => synthStack({ context: { logRetentionDays: 'forever' } })).toThrow(/logRetentionDays/);
  });

  it("gives every log group — functions, provider frameworks, flow logs, access logs — and the cluster's exported postgresql log the same retention", () => {
    const { template: t } = synthStack({ context: { logRetentionDays: '60' } });
    const groups = resourcesOf(t, 'AWS::Logs::LogGroup');
    // routes + not-found, migrator, worker, resync, dashboard; two provider frameworks; flow logs; access logs
    expect(Object.keys(groups).length).toBe(ROUTES.length + 5 + 2 + 2);
    for (const [id, group] of Object.entries(groups)) expect(group.Properties?.RetentionInDays, id).toBe(60);
    const ids = Object.keys(groups);
    expect(ids.filter((id) => /^(Migrations|Resync)ProviderLogs/.test(id))).toHaveLength(2);
    const flowLog = Object.values(resourcesOf(t, 'AWS::EC2::FlowLog'))[0];
    const flowLogGroup = (flowLog?.Properties?.LogGroupName as { Ref?: string } | undefined)?.Ref ?? '';
    expect(ids).toContain(flowLogGroup);
    expect(groups[flowLogGroup]?.DeletionPolicy).toBe('Delete');
    for (const fn of Object.values(resourcesOf(t, 'AWS::Lambda::Function')).filter((f) =>
      JSON.stringify(f.Properties).includes('framework'),
    ))
      expect(JSON.stringify(fn.Properties?.LoggingConfig)).toMatch(/ProviderLogs/);
    t.hasResourceProperties('Custom::LogRetention', {
      LogGroupName: {
        'Fn::Join': [
          '',
          ['/aws/rds/cluster/', { Ref: Match.stringLikeRegexp('^DatabaseCluster') }, '/postgresql'],
        ],
      },
      RetentionInDays: 60,
    });
  });
});
