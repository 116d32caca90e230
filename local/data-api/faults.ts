/**
 * Fault injection: a call that runs — and commits — and whose answer is then lost, as when a Data API response is
 * dropped on its way back. `error` answers HTTP 500 InternalServerErrorException; `reset` destroys the socket
 * without answering.
 */
export type LostAnswerMode = 'error' | 'reset';

export type DataApiOperation = 'execute' | 'batchExecute' | 'begin' | 'commit' | 'rollback';

export interface LostAnswers {
  mode: LostAnswerMode;
  /** How many answers to lose (Infinity: all that match). */
  count: number;
  /** Only these operations (default: every one). */
  operations?: readonly DataApiOperation[];
  /** Lose each distinct request's answer once: an identical request sent again is answered. */
  oncePerRequest?: boolean;
}

/** Decides, per call that succeeded, whether its answer is lost. */
export class AnswerFaults {
  private plan: LostAnswers | undefined;
  private readonly seen = new Set<string>();
  /** Answers lost so far. */
  lost = 0;

  constructor(plan?: LostAnswers) {
    this.plan = plan && plan.count > 0 ? plan : undefined;
  }

  set(plan: LostAnswers | undefined): void {
    this.plan = plan && plan.count > 0 ? plan : undefined;
    this.seen.clear();
  }

  /** Called after `operation` ran with request `body`: the mode to lose its answer in, or undefined to answer. */
  take(operation: DataApiOperation, body: string): LostAnswerMode | undefined {
    const plan = this.plan;
    if (!plan || plan.count <= 0) return undefined;
    if (plan.operations && !plan.operations.includes(operation)) return undefined;
    if (plan.oncePerRequest) {
      const key = `${operation} ${body}`;
      if (this.seen.has(key)) return undefined;
      this.seen.add(key);
    }
    plan.count -= 1;
    this.lost += 1;
    return plan.mode;
  }
}
