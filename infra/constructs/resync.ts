import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resyncHash } from '../schema-hash.js';
import type { StackSettings } from '../settings.js';
import { databaseEnvironment, noticeEnvironment } from './function-environment.js';
import { ROOT_DIR, serviceFunction } from './lambda-function.js';
import { handlerProvider } from './provider.js';

/**
 * Re-sends a message for every scheduled job and every open task once the schema is migrated (duplicates are
 * harmless by design). It makes the queue whole again after anything that lost messages, and it upgrades a
 * deployment made before execution was event-driven. It runs on create and whenever its input hash changes: any
 * change to the Lambda code, the migrations or the locked dependencies, or a new `-c resync=<token>` value. The
 * hash, not the deploy time, keeps the template deterministic and `cdk diff` quiet when nothing changed.
 */
export class Resync extends Construct {
  readonly resource: CustomResource;

  constructor(
    scope: Construct,
    id: string,
    props: {
      cluster: rds.DatabaseCluster;
      queue: sqs.IQueue;
      schema: CustomResource;
      settings: StackSettings;
    },
  ) {
    super(scope, id);
    const { cluster, queue, settings } = props;
    const resync = serviceFunction(this, 'ResyncFunction', {
      handler: 'resync',
      timeout: Duration.minutes(10),
      logRetentionDays: settings.logRetentionDays,
      environment: { ...databaseEnvironment(cluster), ...noticeEnvironment(queue, settings) },
    });
    cluster.grantDataApiAccess(resync);
    queue.grant(resync, 'sqs:SendMessage');
    const provider = handlerProvider(this, {
      onEventHandler: resync,
      logRetentionDays: settings.logRetentionDays,
    });
    const token = String(this.node.tryGetContext('resync') ?? '');
    this.resource = new CustomResource(this, 'Resync', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TaskQueueResync',
      properties: { InputsHash: resyncHash(ROOT_DIR, token) },
    });
    this.resource.node.addDependency(props.schema);
  }
}
