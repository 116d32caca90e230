import { useState } from 'preact/hooks';
import { type Api, ApiError, type Job, type Page, STATUSES } from './api.js';
import { formatSchedule, formatTime } from './format.js';
import { usePolling } from './polling.js';

interface Loaded {
  items: Job[];
  /** How many of `items` the first page holds: polling refreshes those, "Load more" pages stay as loaded. */
  firstPage: number;
  cursor: string | null;
}

function jobsPath(status: string, jobType: string, cursor?: string | null): string {
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (jobType) query.set('job_type', jobType);
  if (cursor) query.set('cursor', cursor);
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

  usePolling(
    async (current) => {
      try {
        const page = await api.call<Page<Job>>('GET', jobsPath(status, jobType));
        if (!current()) return;
        setLoaded((previous) => {
          if (!previous || previous.items.length <= previous.firstPage)
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
    setLoadingMore(true);
    try {
      const page = await api.call<Page<Job>>('GET', jobsPath(status, jobType, loaded.cursor));
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
