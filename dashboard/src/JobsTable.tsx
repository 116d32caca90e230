import { useRef, useState } from 'preact/hooks';
import { type Api, ApiError, type Job, type Page, STATUSES } from './api.js';
import { formatSchedule, formatTime } from './format.js';
import { usePolling } from './polling.js';

interface Loaded {
  items: Job[];
  /** How many of `items` the last refresh read: beyond REFRESH_LIMIT, "Load more" pages stay as loaded. */
  firstPage: number;
  cursor: string | null;
}

/** The API's default page, and its largest: a refresh re-reads every row on screen up to this many. */
const PAGE_SIZE = 20;
const REFRESH_LIMIT = 100;

function jobsPath(
  status: string,
  jobType: string,
  page: { cursor?: string | null; limit?: number } = {},
): string {
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (jobType) query.set('job_type', jobType);
  if (page.limit !== undefined) query.set('limit', String(page.limit));
  if (page.cursor) query.set('cursor', page.cursor);
  const text = query.toString();
  return text ? `/jobs?${text}` : '/jobs';
}

export function StatusBadge(props: { status: string }) {
  return <span class={`status status-${props.status}`}>{props.status}</span>;
}

export function JobsTable(props: { api: Api; jobTypes: string[]; onOpen: (id: string) => void }) {
  const { api } = props;
  const [status, setStatus] = useState('');
  const [jobType, setJobType] = useState('');
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  /** The filters now shown: a "Load more" answer for other filters (they changed while it was on its way) is dropped. */
  const shownFilters = useRef('');
  shownFilters.current = `${status}\n${jobType}`;

  usePolling(
    async (current) => {
      try {
        // Rows that "Load more" brought in are re-read too (up to the API's largest page), so their statuses stay
        // live; the answer's cursor then continues after the last of them.
        const shown = loaded?.items.length ?? 0;
        const limit = Math.min(Math.max(shown, PAGE_SIZE), REFRESH_LIMIT);
        const page = await api.call<Page<Job>>(
          'GET',
          jobsPath(status, jobType, limit > PAGE_SIZE ? { limit } : {}),
        );
        if (!current()) return;
        setLoaded((previous) => {
          if (!previous || previous.items.length <= limit)
            return { items: page.items, firstPage: page.items.length, cursor: page.next_cursor };
          const fresh = new Set(page.items.map((job) => job.id));
          const rest = previous.items.slice(previous.firstPage).filter((job) => !fresh.has(job.id));
          return { items: [...page.items, ...rest], firstPage: page.items.length, cursor: previous.cursor };
        });
        setError(undefined);
      } catch (caught) {
        if (caught instanceof ApiError) setError(caught.message);
      }
    },
    [api, status, jobType],
  );

  const loadMore = async () => {
    if (!loaded?.cursor) return;
    const filters = shownFilters.current;
    setLoadingMore(true);
    try {
      const page = await api.call<Page<Job>>('GET', jobsPath(status, jobType, { cursor: loaded.cursor }));
      if (shownFilters.current !== filters) return;
      setLoaded((previous) => {
        const known = new Set(previous?.items.map((job) => job.id));
        const items = [...(previous?.items ?? []), ...page.items.filter((job) => !known.has(job.id))];
        return { items, firstPage: previous?.firstPage ?? 0, cursor: page.next_cursor };
      });
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught.message);
    } finally {
      setLoadingMore(false);
    }
  };

  const changeFilter = (apply: () => void) => {
    setLoaded(undefined);
    apply();
  };

  return (
    <section class="jobs" aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Jobs</h2>
      <div class="filters">
        <label>
          Filter by status{' '}
          <select
            value={status}
            onChange={(event) => changeFilter(() => setStatus(event.currentTarget.value))}
          >
            <option value="">any</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Filter by job type{' '}
          <select
            value={jobType}
            onChange={(event) => changeFilter(() => setJobType(event.currentTarget.value))}
          >
            <option value="">any</option>
            {props.jobTypes.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table aria-label="Jobs">
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Job type</th>
            <th scope="col">Status</th>
            <th scope="col">Schedule</th>
            <th scope="col">Priority</th>
            <th scope="col">Next run</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {loaded?.items.map((job) => (
            <tr key={job.id}>
              <td>
                <button type="button" class="link id" onClick={() => props.onOpen(job.id)}>
                  {job.id}
                </button>
              </td>
              <td>{job.job_type}</td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td>{formatSchedule(job.schedule_interval)}</td>
              <td class="number">{job.priority}</td>
              <td>{formatTime(job.next_run_at)}</td>
              <td>{formatTime(job.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded && loaded.items.length === 0 && (
        <p class="empty">No jobs yet{status || jobType ? ' match these filters' : ''}.</p>
      )}
      {!loaded && !error && <p class="empty">Loading jobs…</p>}
      {loaded?.cursor && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          Load more
        </button>
      )}
    </section>
  );
}
