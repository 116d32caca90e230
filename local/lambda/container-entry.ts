import { pathToFileURL } from 'node:url';

/**
 * One Lambda execution environment: loads the handler module once (the init phase) and runs invocations sent over
 * IPC one at a time, answering each with its result or its error. Started by local/lambda/runtime.ts.
 */
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
interface Invocation {
  id: string;
  event: unknown;
  deadline: number;
}

const [handlerPath, functionName = 'local'] = process.argv.slice(2);

async function load(): Promise<Handler> {
  if (!handlerPath) throw new Error('no handler path given');
  const module = (await import(pathToFileURL(handlerPath).href)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${handlerPath} exports no handler function`);
  return module.handler;
}

function context(invocation: Invocation) {
  return {
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: invocation.id,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - Date.now()),
  };
}

// The init phase: the module is loaded before the first invocation, and the runtime is told how it went.
const loaded = load();
loaded.then(
  () => process.send?.({ ready: true }),
  (error: Error) =>
    process.send?.({ ready: false, error: { errorType: error.name, errorMessage: error.message } }),
);

process.on('message', async (invocation: Invocation) => {
  try {
    const result = await (await loaded)(invocation.event, context(invocation));
    process.send?.({ id: invocation.id, result: result ?? null });
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    process.send?.({ id: invocation.id, error: { errorType: error.name, errorMessage: error.message } });
  }
});
// The runtime that started this container is gone: so is the container.
process.on('disconnect', () => process.exit(0));
