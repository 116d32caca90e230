import path from 'node:path';
import { ROOT_DIR } from '../paths.js';
import { LocalFunction } from './runtime.js';

/** One Lambda invocation made at deploy time (a CloudFormation custom resource): handler name and event. */
export interface DeployInvocation {
  /** A file under lambdas/handlers/, without `.ts`. */
  handler: string;
  event: unknown;
  timeoutSeconds?: number;
  /** Variables this function has on top of the shared ones. */
  environment?: Record<string, string>;
}

/** A CloudFormation custom resource event, as the stack's provider would send it to the handler. */
export function customResourceEvent(requestType: 'Create' | 'Update' | 'Delete', logicalResourceId: string) {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:local',
    ResponseURL: 'http://127.0.0.1/unused',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/local/00000000-0000-0000-0000-000000000000',
    RequestId: crypto.randomUUID(),
    LogicalResourceId: logicalResourceId,
    ResourceType: 'Custom::Local',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:local' },
  };
}

/** Runs each invocation once, in order, each in its own container; a failure stops the start, as a failed deploy. */
export async function runDeployInvocations(
  invocations: DeployInvocation[],
  environment: Record<string, string>,
  log: (message: string) => void,
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const invocation of invocations) {
    const fn = new LocalFunction({
      name: invocation.handler,
      handlerPath: path.join(ROOT_DIR, 'lambdas/handlers', `${invocation.handler}.ts`),
      timeoutSeconds: invocation.timeoutSeconds ?? 900,
      environment: { ...environment, ...invocation.environment },
    });
    try {
      results.push(await fn.invoke(invocation.event));
      log(`deploy-time invocation of ${invocation.handler} succeeded`);
    } finally {
      await fn.stop();
    }
  }
  return results;
}
