import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';

/**
 * Where every alarm goes: an encrypted, TLS-only SNS topic, as the alarm and the OK action of each alarm, with an
 * email subscription when `-c alarmEmail=…` names one (others can subscribe to AlarmTopicArn after deploy).
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: { alarms: cloudwatch.Alarm[]; settings: StackSettings }) {
    super(scope, id);
    // A customer managed key: CloudWatch cannot publish to a topic encrypted with the AWS managed alias/aws/sns,
    // whose key policy cannot grant it kms:GenerateDataKey/Decrypt.
    const key = new kms.Key(this, 'Key', {
      description: 'Background Job Service alarm topic',
      enableKeyRotation: true,
      // It protects only notifications in transit through the topic; nothing outlives the stack that needs it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    // CloudWatch publishes as its service principal; only on behalf of this account's alarms (confused deputy).
    const cloudwatchAlarms = new iam.ServicePrincipal('cloudwatch.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    });
    key.grant(cloudwatchAlarms, 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Background Job Service alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so it names the publisher explicitly.
    this.topic.grantPublish(cloudwatchAlarms);
    if (props.settings.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.settings.alarmEmail));
    }
    const action = new SnsAction(this.topic);
    for (const alarm of props.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    new CfnOutput(stack, 'AlarmTopicArn', { value: this.topic.topicArn });
  }
}
