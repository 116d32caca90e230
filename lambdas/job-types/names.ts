/**
 * The job types this deployment runs, by name only: the API validates `job_type` against this list without loading
 * any implementation (those live in ./implementations.ts, which only workers import). Adding a job type: add its
 * name here and its handler there; the compiler refuses a name without a handler.
 */
export const JOB_TYPES = ['echo', 'sleep'] as const;

export type JobType = (typeof JOB_TYPES)[number];

export const isKnownJobType = (name: string): name is JobType =>
  (JOB_TYPES as readonly string[]).includes(name);
