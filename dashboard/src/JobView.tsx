import { useState } from 'preact/hooks';
import { type Api, ApiError, type Job, type Page, type Task } from './api.js';
import { formatSchedule, formatTime } from './format.js';
import { StatusBadge } from './JobsTable.js';
import { usePolling } from './polling.js';
import { TasksTable } from './TasksTable.js';

/** `cancelled` is final for a job: no new runs, nothing to cancel. A completed or failed job may still have a
 * schedule to stop and can run again (docs/semantics.md, Cancellation). */
const isCancelled = (job: Job | undefined) => job?.status === 'cancelled';

/** One job: its settings, the actions on it, and its tasks, newest first, refreshed while the tab is visible. */
export function JobView(props: { api: Api; jobId: string; onBack: () => void; onDeleted: () => void }) {
  const { api, jobId } = props;
  const [job, setJob] = useState<Job>();
  const [tasks, setTasks] = useState<Task[]>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [busy, setBusy] = useState(false);

  const refresh = async (current: () => boolean = () => true) => {
    try {
      const [loadedJob, page] = await Promise.all([
        api.call<Job>('GET', `/jobs/${encodeURIComponent(jobId)}`),
        api.call<Page<Task>>('GET', `/jobs/${encodeURIComponent(jobId)}/tasks?limit=50`),
      ]);
      if (!current()) return;
      setJob(loadedJob);
      setTasks(page.items);
      setError(undefined);
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught.message);
    }
  };
  usePolling(refresh, [api, jobId]);

  /** Runs an action and refreshes at once, so its effect shows without waiting for the next poll. */
  const act = async (done: string, action: () => Promise<unknown>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      await action();
      setMessage(done);
      setError(undefined);
      await refresh();
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught.message);
      else throw caught;
    } finally {
      setBusy(false);
    }
  };

  const path = `/jobs/${encodeURIComponent(jobId)}`;
  return (
    <section class="job" aria-labelledby="job-heading">
      <button type="button" class="link" onClick={props.onBack}>
        ← All jobs
      </button>
      <h2 id="job-heading">
        Job <code>{jobId}</code>
      </h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {job && (
        <dl class="details" aria-label="Job details">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={job.status} />
          </dd>
          <dt>Job type</dt>
          <dd>{job.job_type}</dd>
          <dt>Schedule</dt>
          <dd>{formatSchedule(job.schedule_interval)}</dd>
          <dt>Priority</dt>
          <dd>{job.priority}</dd>
          <dt>Max retries</dt>
          <dd>{job.max_retries}</dd>
          <dt>Timeout</dt>
          <dd>{job.timeout_seconds} s</dd>
          <dt>Next run</dt>
          <dd>{formatTime(job.next_run_at)}</dd>
          <dt>Created</dt>
          <dd>{formatTime(job.created_at)}</dd>
          {job.schedule_error && (
            <>
              <dt>Schedule error</dt>
              <dd>{job.schedule_error}</dd>
            </>
          )}
          <dt>Payload</dt>
          <dd>
            <pre>{JSON.stringify(job.payload, null, 2)}</pre>
          </dd>
        </dl>
      )}
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={busy || !job || isCancelled(job)}
          onClick={() => void act('A new task was queued.', () => api.call('POST', `${path}/run`))}
        >
          Run now
        </button>
        <button
          type="button"
          disabled={busy || !job || isCancelled(job)}
          onClick={() => void act('The job was cancelled.', () => api.call('POST', `${path}/cancel`))}
        >
          Cancel job
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy || !job}
          onClick={() => setConfirmingDelete(true)}
        >
          Delete job
        </button>
      </div>
      {confirmingDelete && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
          <p id="confirm-delete-text">Delete this job and all its tasks? This cannot be undone.</p>
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void act('Deleted.', async () => {
                await api.call('DELETE', path);
                props.onDeleted();
              })
            }
          >
            Yes, delete the job
          </button>
          <button type="button" onClick={() => setConfirmingDelete(false)}>
            Keep the job
          </button>
        </div>
      )}
      {tasks && (
        <TasksTable
          tasks={tasks}
          busy={busy}
          onCancel={(task) =>
            void act('The task was cancelled.', () =>
              api.call('POST', `/tasks/${encodeURIComponent(task.id)}/cancel`),
            )
          }
        />
      )}
    </section>
  );
}
