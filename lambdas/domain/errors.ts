/** Domain outcomes that are not success. The HTTP edge maps each to a status; the domain knows nothing of HTTP. */
export class DomainError extends Error {}

/** The resource does not exist for this caller (or is deleted): never says which. */
export class NotFoundError extends DomainError {
  constructor(readonly resource: 'job' | 'task') {
    super(`${resource} not found`);
  }
}

/** Optimistic locking: the caller's version is not the current one. */
export class VersionConflictError extends DomainError {
  constructor(readonly currentVersion: number) {
    super(`the job was changed since version you sent; its current version is ${currentVersion}`);
  }
}

/** The same Idempotency-Key came with a different request. */
export class IdempotencyMismatchError extends DomainError {
  constructor() {
    super('this Idempotency-Key was already used with a different request');
  }
}

/** The Idempotency-Key names a job that was created and then deleted: it can be neither replayed nor reused. */
export class IdempotencyKeyJobDeletedError extends DomainError {
  constructor() {
    super('the job this Idempotency-Key created has been deleted; use a new key to create another');
  }
}

/** The operation does not apply in the resource's current state (e.g. running a cancelled job). */
export class InvalidStateError extends DomainError {}

/** The user has as many open tasks as USER_MAX_QUEUED allows: no new one until one of them ends. */
export class QueueFullError extends DomainError {
  constructor(
    readonly openTasks: number,
    readonly limit: number,
  ) {
    super(
      `you have ${openTasks} open tasks (created or processing), the most allowed (${limit}); retry when some have ended, or cancel some`,
    );
  }
}

/** The work's notice could not be sent (in AWS: the queue refused it), so the work was not created: retry. */
export class NoticeNotSentError extends DomainError {
  constructor(options?: { cause?: unknown }) {
    super('the work could not be queued, so nothing was changed; retry shortly', options);
  }
}

/** A webhook URL the service will not call (SSRF rules, lambdas/domain/webhook-target.ts). */
export class InvalidWebhookError extends DomainError {}
