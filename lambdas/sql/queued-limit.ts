/**
 * Fragments for USER_MAX_QUEUED. A statement that may add tasks calls `user_open_tasks_locked` (migration 012):
 * it takes each user's queued-cap lock (held until the statement's transaction commits, several users in one
 * fixed order) and then counts the user's open tasks with a fresh snapshot, so the count holds every task
 * committed before the lock, and a racing insert of the same user waits and then counts this one's task too.
 * A run that adds one task may first try `user_open_tasks_admitting` (migration 018), which holds that lock shared
 * with one of a few stripes, so up to that many runs of a user commit together; near the cap it may answer NULL,
 * undecided, and the run is sent again through the exclusive lock. It decides on an upper bound of the user's open
 * tasks kept in `user_queue_bounds` (migration 019), which holds only while every insert of open tasks either
 * records its task there (the fast path) or leaves the user with no base (012, and `forgetBounds` below).
 * Nothing else keeps a count: claims, renewals, results and cancels take no lock and write nothing for the limit.
 */

/** `user_id, open_tasks` of each user in the uuid[] `usersSql`, each user locked first (none for an empty array). */
export const lockedOpenTasks = (usersSql: string) =>
  `SELECT user_id, open_tasks FROM user_open_tasks_locked(${usersSql})`;

/**
 * `user_id, open_tasks` of the user in `userSql` (a query of at most one `user_id`; none: no row) for adding one
 * task under the limit `limitSql` (migration 018): `open_tasks` NULL when it could not decide without waiting.
 */
export const admittingOpenTasks = (userSql: string, limitSql: string) =>
  `SELECT user_id, user_open_tasks_admitting(user_id, ${limitSql}) AS open_tasks FROM (${userSql}) AS owner`;

/**
 * Whether `count` open tasks leave room for one more under the limit `limitSql` (0: no limit; `count` unused).
 * A NULL count (undecided) leaves none.
 */
export const hasRoom = (count: string, limitSql: string) =>
  `(${limitSql} = 0 OR coalesce(${count} < ${limitSql}, false))`;

/** The skipped occurrence's reason, as the job shows it. */
export const skipReason = (count: string, limitSql: string) =>
  `format('the user had %s open tasks, the most USER_MAX_QUEUED (%s) allows', ${count}, ${limitSql})`;

/**
 * A CTE of every statement that inserts tasks, which the statement must join (a CTE that is not read is not run):
 * with no limit (`limitSql` = 0, so no function above runs) it deletes the base of each user in `usersSql` (a query
 * of `user_id`s), as the task it inserts is recorded in no row (migration 019); the user's next limited run counts
 * again. Only the base: the stripe rows are reset only under the exclusive lock. Through `user_queue_bounds_forget`
 * (migration 020), which waits for the user's base lock, so the insert cannot commit while a run that counted
 * without its task rebuilds the base; users in `user_open_tasks_locked`'s order. With a limit: no row, no call.
 */
export const forgetBounds = (usersSql: string, limitSql: string) =>
  `SELECT user_queue_bounds_forget(ARRAY(${usersSql})) AS forgotten WHERE ${limitSql} = 0`;
