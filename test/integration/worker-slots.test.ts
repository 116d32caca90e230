import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../lambdas/db/port.js';
import { createLogger } from '../../lambdas/logger.js';
import { startLocalWorkers } from '../../lambdas/worker/local-pool.js';
import type { WorkerSettings } from '../../lambdas/worker/settings.js';
import type { TaskHandler } from '../../lambdas/worker/types.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { eventually, insertJob, insertTasks, sleep, taskRow } from '../support/tasks.js';

let test: TestDatabase;
const log = createLogger({}, 'error');
const USER = '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e';

beforeAll(async () => {
  test = await freshDatabase();
});
afterAll(async () => {
  await test.drop();
});

/** A pool's settings: one running handler, no scheduler pass during a test, and what the test sets. */
const poolSettings = (overrides: Partial<WorkerSettings>): WorkerSettings => ({
  WORKER_CONCURRENCY: 1,
  RETRY_BASE_DELAY_MS: 1_000,
  LEASE_SECONDS: 30,
  HEARTBEAT_MS: 5_000,
  POLL_MS: 20,
  USER_MAX_RUNNING: 0,
  SCHEDULER_INTERVAL_MS: 600_000,
  ...overrides,
});

/** The test database, whose statements containing `fragment` wait until `open()` is called. */
function gatedAt(fragment: string) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const db: Database = {
    ...test.db,
    query: async (statement) => {
      if (statement.text.includes(fragment)) await gate;
      return test.db.query(statement);
    },
  };
  return { db, open: () => open() };
}

describe('a handler that ignores its AbortSignal', () => {
  it('keeps its slot busy until it really returns; its attempt is recorded at the timeout', async () => {
    const db = test.db;
    let running = 0;
    let most = 0;
    const seenAtReturn: string[] = [];
    // Runs 2.5 s whatever its signal says, past its 1 s timeout.
    const stubborn: TaskHandler = async ({ task }) => {
      running += 1;
      most = Math.max(most, running);
      await sleep(2_500);
      seenAtReturn.push(String((await taskRow(db, task.id)).status));
      running -= 1;
      return 'finished anyway';
    };
    for (let n = 0; n < 2; n += 1)
      await insertTasks(
        db,
        await insertJob(db, { userId: USER, jobType: 'stubborn', timeoutSeconds: 1, maxRetries: 0 }),
        1,
      );
    const pool = startLocalWorkers(
      db,
      poolSettings({
        RETRY_BASE_DELAY_MS: 60_000,
        HEARTBEAT_MS: 200,
        SCHEDULER_INTERVAL_MS: 60_000,
      }),
      log,
      { stubborn },
    );
    try {
      expect(await eventually(async () => seenAtReturn.length === 2, 15_000)).toBe(true);
    } finally {
      await pool.stop();
    }
    expect(most).toBe(1);
    // Each attempt was already recorded (failed, timed out) when its handler came back.
    expect(seenAtReturn).toEqual(['failed', 'failed']);
    expect(pool.outcomes.failed).toBe(2);
  });
});

describe('a task whose handler has returned', () => {
  it('frees its slot while its success is written; no more pending writes than slots', async () => {
    const jobId = await insertJob(test.db, { userId: USER, jobType: 'instant' });
    await insertTasks(test.db, jobId, 10);
    let started = 0;
    // Batch completions wait at the gate: the successes stay unwritten until it opens.
    const { db: gated, open: openGate } = gatedAt(
      'jsonb_to_recordset($2::jsonb) AS b(id uuid, version bigint',
    );
    const pool = startLocalWorkers(
      gated,
      poolSettings({
        WORKER_CONCURRENCY: 2,
      }),
      log,
      {
        instant: async () => {
          started += 1;
          return 'done';
        },
      },
    );
    try {
      // Two slots: two handlers ran, returned, and freed their slots for two more; then the four unwritten
      // successes (as many again as slots) hold the pool back.
      expect(await eventually(async () => started === 4, 10_000)).toBe(true);
      await sleep(500);
      expect(started).toBe(4);
      expect(pool.outcomes.completed).toBe(0);
      openGate();
      expect(await eventually(async () => pool.outcomes.completed === 10, 10_000)).toBe(true);
    } finally {
      openGate();
      await pool.stop();
    }
    expect(started).toBe(10);
  });
});

describe('a handler that throws before returning a promise', () => {
  it('frees its slot while its failure is written, as one that rejects does', async () => {
    const first = await insertJob(test.db, { userId: USER, jobType: 'throws', maxRetries: 0 });
    await insertTasks(test.db, first, 1);
    // The failure write waits at the gate.
    const { db: gated, open: openGate } = gatedAt('last_error = $4::text, lease_owner = NULL');
    let instantRan = false;
    const pool = startLocalWorkers(gated, poolSettings({}), log, {
      throws: () => {
        throw new Error('thrown at once');
      },
      instant: async () => {
        instantRan = true;
        return 'done';
      },
    });
    try {
      await sleep(300);
      await insertTasks(test.db, await insertJob(test.db, { userId: USER, jobType: 'instant' }), 1);
      // One slot: the second task runs only if the first one's slot is free while its failure waits.
      expect(await eventually(async () => instantRan, 5_000)).toBe(true);
      expect(pool.outcomes.failed).toBe(0);
      openGate();
      expect(await eventually(async () => pool.outcomes.failed === 1, 5_000)).toBe(true);
    } finally {
      openGate();
      await pool.stop();
    }
  });
});

describe('a slot freed while a claim is on its way', () => {
  it('is filled by the next claim, not after POLL_MS', async () => {
    const jobId = await insertJob(test.db, { userId: USER, jobType: 'held' });
    await insertTasks(test.db, jobId, 2);
    const release = new Map<string, () => void>();
    const started: string[] = [];
    let claimsHeld: Promise<void> | undefined;
    let openClaims: () => void = () => {};
    // Claims wait while `claimsHeld` is set: the test decides when a claim's answer arrives.
    const gated: Database = {
      ...test.db,
      query: async (statement) => {
        if (claimsHeld && statement.text.includes('claim_token = $4::uuid')) await claimsHeld;
        return test.db.query(statement);
      },
    };
    const pool = startLocalWorkers(
      gated,
      poolSettings({
        WORKER_CONCURRENCY: 2,
        // Asleep, the claim loop wakes only when a slot frees: a missed wake-up outlasts the test.
        POLL_MS: 600_000,
      }),
      log,
      {
        held: ({ task }) =>
          new Promise<string>((resolve) => {
            started.push(task.id);
            release.set(task.id, () => resolve('done'));
          }),
      },
    );
    try {
      expect(await eventually(async () => started.length === 2, 10_000)).toBe(true);
      await insertTasks(test.db, jobId, 2);
      claimsHeld = new Promise<void>((resolve) => {
        openClaims = resolve;
      });
      // The first slot frees: the pool sends a claim for one task, which waits.
      release.get(started[0] ?? '')?.();
      await sleep(300);
      // The second slot frees (and both successes are written) while that claim is on its way.
      release.get(started[1] ?? '')?.();
      expect(await eventually(async () => pool.outcomes.completed === 2, 10_000)).toBe(true);
      claimsHeld = undefined;
      openClaims();
      // The claim brings one task; the other slot is free and the fourth task due: it starts at once.
      expect(await eventually(async () => started.length === 4, 5_000)).toBe(true);
    } finally {
      openClaims();
      for (const done of release.values()) done();
      await pool.stop();
    }
  });
});

describe('stopping an idle pool', () => {
  it('ends the claim and delivery loops at once, asleep as they are for POLL_MS', async () => {
    const pool = startLocalWorkers(
      test.db,
      poolSettings({
        WORKER_CONCURRENCY: 4,
        // Both loops sleep this long between polls; a stop that waited for them would outlast the test's timeout.
        POLL_MS: 600_000,
      }),
      log,
      undefined,
      undefined,
      // Webhook deliveries on (without settings the delivery loop does not start).
      { allowPrivate: false, retryBaseMs: 1_000, retryWindowSeconds: 60, timeoutMs: 1_000 },
    );
    // Let both loops make their first poll and fall asleep.
    await sleep(300);
    const stopped = await Promise.race([
      pool.stop().then(() => 'stopped'),
      sleep(4_000).then(() => 'still asleep'),
    ]);
    expect(stopped).toBe('stopped');
  });
});
