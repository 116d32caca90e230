import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'container-entry.ts');

export interface LocalFunctionOptions {
  name: string;
  /** The module exporting `handler`: lambdas/handlers/<name>.ts, or a test handler. */
  handlerPath: string;
  /** The function timeout: an invocation still running then is killed with its container. */
  timeoutSeconds: number;
  /** The function's environment variables (the runtime adds the ones Lambda sets itself). */
  environment: Record<string, string>;
}

/** An invocation that failed: the handler threw, or its container crashed or timed out. */
export class InvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

export interface ContainerHandle {
  pid: number;
  busy: boolean;
  kill(signal?: NodeJS.Signals): void;
}

interface Container {
  child: ChildProcess;
  busy: boolean;
  /** Settles when the init phase ends: undefined when the handler loaded, else the init error. */
  ready: Promise<InvocationError | undefined>;
  settle?: (outcome: { result?: unknown; error?: InvocationError }) => void;
}

type Reply = { ready?: boolean; result?: unknown; error?: { errorType: string; errorMessage: string } };

/**
 * A Lambda function on this machine. Each container is a child process (node + tsx, like `npm start`) running one
 * invocation at a time; idle containers are reused, so module-level state survives between invocations as it does
 * in a warm Lambda. A container that exits or outlives the timeout fails its invocation and is discarded.
 */
export class LocalFunction {
  private readonly pool = new Set<Container>();
  private stopped = false;

  constructor(readonly options: LocalFunctionOptions) {}

  containers(): ContainerHandle[] {
    return [...this.pool].map((container) => ({
      pid: container.child.pid ?? 0,
      busy: container.busy,
      kill: (signal: NodeJS.Signals = 'SIGKILL') => container.child.kill(signal),
    }));
  }

  private start(): Container {
    const { name, handlerPath, environment, timeoutSeconds } = this.options;
    const child = fork(ENTRY, [path.resolve(handlerPath), name], {
      execArgv: ['--import', 'tsx'],
      env: {
        PATH: process.env.PATH ?? '',
        TZ: 'UTC',
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_TIMEOUT: String(timeoutSeconds),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environment,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let initDone: (error: InvocationError | undefined) => void = () => {};
    const ready = new Promise<InvocationError | undefined>((resolve) => {
      initDone = resolve;
    });
    const container: Container = { child, busy: false, ready };
    child.on('message', (message: Reply) => {
      const error = message.error && new InvocationError(message.error.errorType, message.error.errorMessage);
      if (message.ready !== undefined) return initDone(error);
      container.settle?.({ result: message.result, error });
    });
    child.on('exit', (code, signal) => {
      this.pool.delete(container);
      const error = new InvocationError(
        'Runtime.ExitError',
        `container exited (${signal ?? `code ${code}`})`,
      );
      initDone(error);
      container.settle?.({ error });
    });
    child.on('error', () => {}); // reported through 'exit'
    this.pool.add(container);
    return container;
  }

  /** Runs one invocation in an idle container (a new one when none is idle); rejects with an InvocationError. */
  async invoke(event: unknown): Promise<unknown> {
    if (this.stopped) throw new InvocationError('Runtime.Stopped', 'the function is stopped');
    const container = [...this.pool].find((candidate) => !candidate.busy) ?? this.start();
    container.busy = true;
    try {
      // As in Lambda, the init phase (loading the module) is not part of the function timeout.
      const initError = await container.ready;
      if (initError) {
        this.pool.delete(container);
        container.child.kill('SIGKILL');
        throw initError;
      }
      const outcome = await this.run(container, event);
      if (outcome.error) throw outcome.error;
      return outcome.result;
    } finally {
      container.busy = false;
    }
  }

  private run(container: Container, event: unknown) {
    const { timeoutSeconds } = this.options;
    const timeoutMs = timeoutSeconds * 1000;
    return new Promise<{ result?: unknown; error?: InvocationError }>((resolve) => {
      const timer = setTimeout(() => {
        this.pool.delete(container);
        resolve({
          error: new InvocationError('Sandbox.Timedout', `Task timed out after ${timeoutSeconds} seconds`),
        });
        container.child.kill('SIGKILL');
      }, timeoutMs);
      container.settle = (settled) => {
        clearTimeout(timer);
        container.settle = undefined;
        resolve(settled);
      };
      container.child.send({ id: randomUUID(), event, deadline: Date.now() + timeoutMs }, (error) => {
        if (error) container.settle?.({ error: new InvocationError('Runtime.ExitError', error.message) });
      });
    });
  }

  /** Kills every container and waits for them to be gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      [...this.pool].map(
        (container) =>
          new Promise<void>((resolve) => {
            if (container.child.exitCode !== null || container.child.signalCode !== null) return resolve();
            container.child.once('exit', () => resolve());
            container.child.kill('SIGKILL');
          }),
      ),
    );
  }
}
