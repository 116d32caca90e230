import type { Task } from './api.js';
import { formatDuration, formatTime } from './format.js';
import { StatusBadge } from './JobsTable.js';

const RESULT_PREVIEW = 60;
const CANCELLABLE = new Set(['created', 'processing']);

/** A long result shows its start; the whole text opens in place. */
function Result(props: { text: string | null }) {
  if (props.text === null) return <>—</>;
  if (props.text.length <= RESULT_PREVIEW) return <code>{props.text}</code>;
  return (
    <details>
      <summary>
        <code>{`${props.text.slice(0, RESULT_PREVIEW)}…`}</code>
      </summary>
      <pre>{props.text}</pre>
    </details>
  );
}

export function TasksTable(props: { tasks: Task[]; busy: boolean; onCancel: (task: Task) => void }) {
  return (
    <>
      <h3 id="tasks-heading">Tasks</h3>
      <table aria-label="Tasks">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Attempt</th>
            <th scope="col">Run at</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Duration</th>
            <th scope="col">Last error</th>
            <th scope="col">Result</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.tasks.map((task) => (
            <tr key={task.id} data-task-id={task.id}>
              <td>
                <StatusBadge status={task.status} />
              </td>
              <td class="number">{task.attempt}</td>
              <td>{formatTime(task.run_at)}</td>
              <td>{formatTime(task.started_at)}</td>
              <td>{formatTime(task.finished_at)}</td>
              <td>{formatDuration(task.started_at, task.finished_at)}</td>
              <td class="last-error">{task.last_error ?? '—'}</td>
              <td class="result">
                <Result text={task.result} />
              </td>
              <td>
                {CANCELLABLE.has(task.status) && (
                  <button type="button" disabled={props.busy} onClick={() => props.onCancel(task)}>
                    Cancel task
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.tasks.length === 0 && <p class="empty">No tasks yet: "Run now" starts one.</p>}
    </>
  );
}
