import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings } from '../settings.js';
import { BackgroundJobServiceStack } from '../stack.js';

/** `npx cdk synth|deploy`: the service in one stack, with cdk-nag's AwsSolutions checks on every synth. */
const app = new App();
new BackgroundJobServiceStack(app, app.node.tryGetContext('stackName') ?? 'BackgroundJobService', {
  settings: readSettings(app),
  description:
    'Background Job Service: jobs, tasks and schedules on Lambda + Aurora Serverless v2 (Data API)',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
