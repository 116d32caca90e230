import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { Api } from './constructs/api.js';
import { Dashboard } from './constructs/dashboard.js';
import { Database } from './constructs/database.js';
import { addVariables } from './constructs/lambda-function.js';
import { Migrations } from './constructs/migrations.js';
import { Observability } from './constructs/observability.js';
import { Resync } from './constructs/resync.js';
import { WebhookKey } from './constructs/webhook-key.js';
import { Worker } from './constructs/worker.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import type { StackSettings } from './settings.js';

/**
 * Wiring only: database → schema → (API, worker, resync). Nothing that serves traffic updates before the schema;
 * the resync re-sends due work once the schema is migrated. The dashboard and alarms watch everything; every alarm
 * notifies the alarm topic.
 */
export class BackgroundJobServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { settings: StackSettings }) {
    super(scope, id, props);
    const { settings } = props;
    const { cluster } = new Database(this, 'Database', settings);
    const migrations = new Migrations(this, 'Migrations', { cluster, settings });
    const webhookKey = new WebhookKey(this, 'WebhookKey');
    const worker = new Worker(this, 'Worker', { cluster, settings, webhookKey });
    const api = new Api(this, 'Api', { cluster, queue: worker.queue, settings, webhookKey });
    for (const fn of [...api.functions, ...worker.functions]) fn.node.addDependency(migrations.schema);
    new Dashboard(this, 'Dashboard', {
      httpApi: api.httpApi,
      url: api.dashboardUrl,
      config: api.dashboardConfig,
      settings,
    });
    new Resync(this, 'Resync', { cluster, queue: worker.queue, schema: migrations.schema, settings });
    // The service's own functions; the CDK Provider framework's are plain lambda.Function and stay out.
    const functions = this.node.findAll().filter((c) => c instanceof nodejs.NodejsFunction);
    for (const fn of functions) addVariables(fn, { METRICS_NAMESPACE: settings.metricsNamespace });
    const observability = new Observability(this, 'Operations', {
      cluster,
      httpApi: api.httpApi,
      queue: worker.queue,
      deadLetterQueue: worker.deadLetterQueue,
      functions,
      settings,
    });
    new AlarmTopic(this, 'Alarms', { alarms: [...worker.alarms, ...observability.alarms], settings });

    new CfnOutput(this, 'ClusterArn', { value: cluster.clusterArn });
    new CfnOutput(this, 'SecretArn', { value: cluster.secret?.secretArn ?? '' });
    new CfnOutput(this, 'QueueUrl', { value: worker.queue.queueUrl });
    acknowledgeNagFindings(this);
  }
}
