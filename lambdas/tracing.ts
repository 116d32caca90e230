import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray subsegments for AWS SDK calls (Data API, SQS), with the Powertools Tracer — only when the stack turned
 * tracing on (`-c tracing=true` sets TRACING=true next to Lambda's active tracing). Otherwise the tracer and the
 * X-Ray SDK are never loaded: bundled, but not evaluated, so a cold start without tracing does not pay for them.
 */
const tracer: Tracer | undefined =
  process.env.TRACING === 'true'
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ captureHTTPsRequests: false })
    : undefined;

/** The client, recording each of its calls as a subsegment when tracing is on; as it is otherwise. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
