import { describe, expect, it } from 'vitest';
import { DatabaseError, OutcomeUnknownError } from '../../lambdas/db/errors.js';
import { toProblem } from '../../lambdas/http/errors.js';

describe('database failures as problems', () => {
  it('says a change whose answer was lost may have been applied, and how to find out', () => {
    const mapped = toProblem(
      new OutcomeUnknownError('outcome unknown: InternalServerErrorException', undefined),
    );
    expect(mapped?.problem).toMatchObject({ status: 503, type: '/problems/outcome-unknown' });
    expect(mapped?.problem.detail).toMatch(/may have been applied/);
    expect(mapped?.headers).toEqual({ 'retry-after': '5' });
  });

  it('keeps a database that does not answer at all a plain 503', () => {
    const mapped = toProblem(new DatabaseError('DatabaseResumingException: resuming', undefined));
    expect(mapped?.problem).toMatchObject({ status: 503, type: 'about:blank' });
  });
});
