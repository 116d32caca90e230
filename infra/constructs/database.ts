import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';

export const DATABASE_NAME = 'bg_jobs';

/**
 * Aurora PostgreSQL Serverless v2, reached only through the RDS Data API: no Lambda runs in the VPC, so the VPC
 * has isolated subnets only — no NAT, no internet route, nothing to pay for while idle.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;

  constructor(scope: Construct, id: string, settings: StackSettings) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const retain = settings.removal === 'retain';
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      // 17.5: Data API (17.4+) and auto-pause to 0 ACU (16.3+/17.x) both supported. Pinned: upgrades are deliberate.
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
      writer: rds.ClusterInstance.serverlessV2('writer', {
        autoMinorVersionUpgrade: true,
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
      iamAuthentication: true,
      backup: { retention: Duration.days(7) },
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
