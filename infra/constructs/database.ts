import { CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';

export const DATABASE_NAME = 'bg_jobs';

/**
 * What a kept cluster needs to go on working (and what CloudFormation could not delete while the cluster exists):
 * the cluster, its writer, its credentials, and the network it sits in. With `removal=retain` all of these stay
 * together; the flow log, its role and its log group are observability of the stack and go with it.
 */
export const KEPT_WITH_CLUSTER = [
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSubnetGroup',
  'AWS::SecretsManager::Secret',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SubnetRouteTableAssociation',
];

/**
 * Aurora PostgreSQL Serverless v2, reached only through the RDS Data API: no Lambda runs in the VPC, so the VPC
 * has isolated subnets only — no NAT, no internet route, nothing to pay for while idle.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;

  constructor(scope: Construct, id: string, settings: StackSettings) {
    super(scope, id);
    const retention = settings.logRetentionDays as logs.RetentionDays;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    // The flow log's own log group (CDK's default: kept forever, two years' retention), bounded like every other
    // one and deleted with the stack. Changed in place rather than replaced, so deployed stacks keep the group.
    const flowLogGroup = vpc.node.findChild('rejected').node.findChild('LogGroup').node.defaultChild;
    if (!(flowLogGroup instanceof logs.CfnLogGroup))
      throw new Error('the VPC flow log has no log group of its own');
    flowLogGroup.retentionInDays = settings.logRetentionDays;
    flowLogGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      // 17.5: Data API (17.4+) and auto-pause to 0 ACU (16.3+/17.x) both supported. Pinned, and no automatic minor
      // upgrades: the template states the running version, and raising the pin is the upgrade (docs/operations.md).
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
      writer: rds.ClusterInstance.serverlessV2('writer', {
        autoMinorVersionUpgrade: false,
        enablePerformanceInsights: false,
      }),
      serverlessV2MinCapacity: settings.minCapacity,
      serverlessV2MaxCapacity: settings.maxCapacity,
      ...(settings.minCapacity === 0
        ? { serverlessV2AutoPauseDuration: Duration.minutes(settings.autoPauseMinutes) }
        : {}),
      enableDataApi: true,
      storageEncrypted: true,
      credentials: rds.Credentials.fromGeneratedSecret('bgjobs_admin'),
      defaultDatabaseName: DATABASE_NAME,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: retention,
      // Off even when kept: a failed first create must be able to roll the cluster back (see below), and RDS
      // refuses to delete a protected cluster. The stack's own updates and deletes keep it through the policy.
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (settings.removal === 'retain') keepWithCluster(this);
  }
}

/**
 * RetainExceptOnCreate (and Retain on replacement) for everything the cluster needs: a stack deletion or an update
 * that drops them keeps them all, so nothing kept depends on something deleted; a failed first create deletes them,
 * leaving no orphan behind.
 */
function keepWithCluster(scope: Construct): void {
  for (const node of scope.node.findAll()) {
    if (node instanceof CfnResource && KEPT_WITH_CLUSTER.includes(node.cfnResourceType)) {
      node.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }
  }
}
