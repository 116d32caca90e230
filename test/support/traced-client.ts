/**
 * Prints the X-Ray middleware of an SQS client passed through lambdas/tracing.ts, as one JSON array: a child
 * process, because the tracer is chosen once, when the module loads, from TRACING.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { traced } from '../../lambdas/tracing.js';

const client = traced(new SQSClient({ region: 'us-east-1' }));
console.log(JSON.stringify(client.middlewareStack.identify().filter((name) => /xray/i.test(name))));
