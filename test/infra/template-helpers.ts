import { beforeAll } from 'vitest';
import { resourcesOf, synthStack } from './synth.js';

/** The default stack's template, synthesized (with cdk-nag) once per test file that calls this at its top. */
export function synthesizedTemplate(): () => ReturnType<typeof synthStack>['template'] {
  let synthed: ReturnType<typeof synthStack> | undefined;
  beforeAll(() => {
    synthed = synthStack({ validate: true });
  });
  return () => {
    if (!synthed) throw new Error('the template is synthesized in beforeAll');
    return synthed.template;
  };
}

type Template = ReturnType<typeof synthStack>['template'];

/** The logical-ID prefix of a route's function (Api + PascalCase handler + Function). */
export const apiFunctionId = (handler: string) =>
  `Api${handler.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}Function`;

export const environmentOf = (fn: { Properties?: Record<string, unknown> }) =>
  (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

/** Every IAM policy statement of the template, with the policy's logical id and its actions as a list. */
export const statementsOf = (t: Template) =>
  Object.entries(resourcesOf(t, 'AWS::IAM::Policy')).flatMap(([id, p]) =>
    (
      (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
        ?.Statement ?? []
    ).map((statement) => ({ id, statement, actions: [statement.Action].flat() })),
  );
