/**
 * Fragments for USER_MAX_QUEUED: each user's count of open tasks lives in `user_open_tasks`, kept exact by the
 * triggers of migration 012. A statement that may add tasks locks the count rows first and decides from them.
 */

/**
 * An upsert that locks the count row of each user `usersSql` selects (columns: user_id, 0), creating it at 0 when
 * missing, and returns `user_id, open_tasks` as last committed: ON CONFLICT DO UPDATE waits for a concurrent holder
 * and then updates (and returns) the row's newest version, which a plain read in the statement's snapshot would
 * not see. With several users, `usersSql` must order them by user_id, the order the triggers lock them in.
 */
export const lockOpenTaskCount = (usersSql: string) =>
  `INSERT INTO user_open_tasks AS u (user_id, open_tasks) ${usersSql}
             ON CONFLICT (user_id) DO UPDATE SET open_tasks = u.open_tasks
             RETURNING u.user_id, u.open_tasks`;

/** Whether `count` open tasks leave room for one more under the limit `limitSql` (0: no limit). */
export const hasRoom = (count: string, limitSql: string) => `(${limitSql} = 0 OR ${count} < ${limitSql})`;

/** The skipped occurrence's reason, as the job shows it. */
export const skipReason = (count: string, limitSql: string) =>
  `format('the user had %s open tasks, the most USER_MAX_QUEUED (%s) allows', ${count}, ${limitSql})`;
