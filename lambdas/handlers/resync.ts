import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * CloudFormation custom resource (CDK Provider framework), run after the schema migrated on every deploy whose
 * inputs changed: re-sends a message for every scheduled job and every open task.
 *
 * PLACEHOLDER: the integrator replaces this body with the real resync (lambdas/queue + lambdas/domain). Until then
 * it only acknowledges the event, so the stack deploys and the wiring (permissions, dependency on the schema) can
 * be checked.
 */
export async function handler(
  _event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string }> {
  return { PhysicalResourceId: 'resync' };
}
