import { App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/settings.js';
import { BackgroundJobServiceStack } from '../../infra/stack.js';
import { synthStack } from './synth.js';

describe('cdk-nag AwsSolutions', () => {
  it('the stack passes, every accepted finding acknowledged with a reason', () => {
    expect(() => synthStack({ nag: true })).not.toThrow();
  });

  it('a non-compliant resource in the same stack fails synth: the checks are live', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new BackgroundJobServiceStack(app, 'Leaky', { settings: readSettings(app) });
    new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/The SQS Queue does not have server-side encryption/);
    // A full synth with every check: about 25 s alone on two cores, more under a loaded test run.
  }, 120_000);
});
