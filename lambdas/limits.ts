/**
 * The per-user limits' defaults and bounds, as plain data: the runtime configuration (lambdas/config.ts) and the
 * stack's context settings (infra/settings.ts) both check against these, so a deploy-time value is valid at run time.
 */

/** USER_MAX_QUEUED when unset: the most open tasks (created or processing) one user may have. */
export const USER_MAX_QUEUED_DEFAULT = 10_000;
/** The largest USER_MAX_QUEUED: the count it is compared with is a PostgreSQL integer. */
export const USER_MAX_QUEUED_MAX = 2_000_000_000;
