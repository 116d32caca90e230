import { describe, expect, it } from 'vitest';
import { arrivalTime, type WorkNotice, withWakeUps } from '../../lambdas/domain/notices.js';
import {
  decodeNotice,
  delaySeconds,
  encodeNotice,
  PoisonMessageError,
} from '../../lambdas/queue/task-queue.js';
import { infrastructureBackoff } from '../../lambdas/worker/notice-batch.js';

const JOB = '8f1e2d3c-4b5a-4697-8877-665544332211';
const TASK = '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3';
const at = new Date('2027-03-28T01:30:00.250Z');

describe('work notices on the wire', () => {
  it('round-trips every kind', () => {
    const notices: WorkNotice[] = [
      { kind: 'task', taskId: TASK },
      { kind: 'task', taskId: TASK, due: at },
      { kind: 'occurrence', jobId: JOB, at },
      { kind: 'occurrence', jobId: JOB, at, wakeAt: new Date(at.getTime() - 30_000) },
      { kind: 'occurrence', jobId: JOB, at, confirm: true },
    ];
    for (const notice of notices) expect(decodeNotice(encodeNotice(notice))).toEqual(notice);
  });

  it('reads the message format from before notices had kinds', () => {
    expect(decodeNotice(JSON.stringify({ taskId: TASK }))).toEqual({ kind: 'task', taskId: TASK });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '42'],
    ['an unknown kind', JSON.stringify({ kind: 'reboot' })],
    ['a bad id', JSON.stringify({ kind: 'task', taskId: "1' OR 1=1" })],
    ['a bad time', JSON.stringify({ kind: 'occurrence', jobId: JOB, at: 'tomorrow' })],
  ])('calls %s poison', (_, body) => {
    expect(() => decodeNotice(body)).toThrow(PoisonMessageError);
  });
});

describe('when a notice is sent to arrive', () => {
  const now = new Date('2027-01-01T00:00:00.000Z');
  it('holds it back whole seconds, rounded down, at most 15 minutes', () => {
    expect(delaySeconds(undefined, now)).toBe(0);
    expect(delaySeconds(new Date(now.getTime() - 5_000), now)).toBe(0);
    expect(delaySeconds(new Date(now.getTime() + 2_999), now)).toBe(2);
    expect(delaySeconds(new Date(now.getTime() + 3_000), now)).toBe(3);
    expect(delaySeconds(new Date(now.getTime() + 86_400_000), now)).toBe(900);
  });

  it('wakes a database that may have paused ahead of an occurrence, and only then', () => {
    const policy = { pauseSeconds: 600, aheadSeconds: 30 };
    const far: WorkNotice = { kind: 'occurrence', jobId: JOB, at: new Date(now.getTime() + 3_600_000) };
    const near: WorkNotice = { kind: 'occurrence', jobId: JOB, at: new Date(now.getTime() + 60_000) };
    const task: WorkNotice = { kind: 'task', taskId: TASK, due: new Date(now.getTime() + 3_600_000) };
    const [farPlanned, nearPlanned, taskPlanned] = withWakeUps([far, near, task], now, policy);
    expect(arrivalTime(farPlanned as WorkNotice)?.getTime()).toBe(now.getTime() + 3_570_000);
    expect(nearPlanned).toEqual(near);
    expect(taskPlanned).toEqual(task);
    expect(withWakeUps([far], now, { pauseSeconds: 600, aheadSeconds: 0 })).toEqual([far]);
    expect(withWakeUps([far], now, { pauseSeconds: 0, aheadSeconds: 30 })).toEqual([far]);
  });
});

describe('how long a message that failed for an infrastructure reason waits', () => {
  it('retries a blip quickly, then backs off so that ten receives outlast a 40-minute outage', () => {
    expect([1, 2, 3, 4, 9, 10].map(infrastructureBackoff)).toEqual([2, 2, 32, 64, 900, 900]);
    const total = Array.from({ length: 9 }, (_, i) => infrastructureBackoff(i + 1)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(total).toBeGreaterThan(40 * 60);
  });
});
