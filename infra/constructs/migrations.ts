import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { schemaHash } from '../schema-hash.js';
import type { StackSettings } from '../settings.js';
import { databaseEnvironment } from './function-environment.js';
import { ROOT_DIR, serviceFunction } from './lambda-function.js';
import { handlerProvider } from './provider.js';

/**
 * The database schema as a CloudFormation resource: on every deploy whose migrations or migrator changed, a
 * Lambda runs node-pg-migrate over the Data API, all-or-nothing. Everything that serves traffic depends on it.
 */
export class Migrations extends Construct {
  readonly schema: CustomResource;

  constructor(
    scope: Construct,
    id: string,
    props: { cluster: rds.DatabaseCluster; settings: StackSettings },
  ) {
    super(scope, id);
    const { cluster } = props;
    const migrator = serviceFunction(this, 'Migrator', {
      handler: 'migrate',
      timeout: Duration.minutes(10),
      logRetentionDays: props.settings.logRetentionDays,
      environment: databaseEnvironment(cluster),
      afterBundling: (_input, output) => [`cp -r "${ROOT_DIR}/migrations" "${output}/migrations"`],
    });
    cluster.grantDataApiAccess(migrator);
    const provider = handlerProvider(this, {
      onEventHandler: migrator,
      logRetentionDays: props.settings.logRetentionDays,
    });
    this.schema = new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DatabaseSchema',
      properties: { InputsHash: schemaHash(ROOT_DIR) },
    });
    // The writer instance, not only the cluster: the Data API answers only once an instance is available.
    this.schema.node.addDependency(cluster);
  }
}
