import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings } from '../../infra/settings.js';
import { BackgroundJobServiceStack } from '../../infra/stack.js';

export interface SynthOptions {
  context?: Record<string, unknown>;
  /** Real esbuild bundling of every Lambda (slow); off by default. */
  bundle?: boolean;
  /** aws-cdk-lib's CloudFormation validation (≈3 s); off by default, on in one test. */
  validate?: boolean;
  nag?: boolean;
  outdir?: string;
}

export function synthStack(options: SynthOptions = {}) {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      ...options.context,
    },
    builtinCloudFormationValidation: options.validate ?? false,
  });
  const stack = new BackgroundJobServiceStack(app, 'TestStack', {
    settings: readSettings(app),
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return { app, stack, assembly, template: Template.fromStack(stack) };
}

type Resources = Record<
  string,
  {
    Type: string;
    Properties?: Record<string, unknown>;
    DependsOn?: string[] | string;
    DeletionPolicy?: string;
  }
>;

export function resourcesOf(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return type ? Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type)) : all;
}
