import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError, type Job, type Schedule } from './api.js';
import { parsePayload } from './payload.js';

type FieldName =
  | 'job_type'
  | 'payload'
  | 'schedule_interval'
  | 'priority'
  | 'max_retries'
  | 'timeout_seconds';
type FieldErrors = Partial<Record<FieldName, string[]>>;
const FIELDS: readonly FieldName[] = [
  'job_type',
  'payload',
  'schedule_interval',
  'priority',
  'max_retries',
  'timeout_seconds',
];

/**
 * The API names a field as `body.payload.prompt`: the form shows the message next to the field it starts with,
 * led by the rest of the path (`prompt: …`) when there is one.
 */
function placeError(apiField: string, message: string): { field: FieldName; text: string } | undefined {
  const [first = '', ...rest] = apiField.replace(/^body\.?/, '').split('.');
  const field = FIELDS.find((name) => name === first);
  return field && { field, text: rest.length > 0 ? `${rest.join('.')}: ${message}` : message };
}

function Field(props: {
  id: string;
  label: string;
  errors: string[] | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${props.errors ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.errors && (
        <ul id={`${props.id}-error`} class="field-error">
          {props.errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** aria attributes that tie a control to its error list, so a screen reader reads the error with the field. */
const described = (id: string, errors: string[] | undefined) =>
  errors ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${id}-error` } : {};

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function CreateJobForm(props: {
  api: Api;
  jobTypes: string[];
  jobTypesError: string | undefined;
  onCreated: (job: Job) => void;
}) {
  const [jobType, setJobType] = useState('');
  const [payload, setPayload] = useState('{\n  "prompt": "Summarise this document"\n}');
  const [scheduleType, setScheduleType] = useState<Schedule['type']>('manual');
  const [seconds, setSeconds] = useState('3600');
  const [expression, setExpression] = useState('*/5 * * * *');
  const [timezone, setTimezone] = useState(browserTimeZone);
  const [priority, setPriority] = useState('50');
  const [maxRetries, setMaxRetries] = useState('3');
  const [timeout, setTimeoutSeconds] = useState('300');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!jobType && props.jobTypes[0]) setJobType(props.jobTypes[0]);
  }, [props.jobTypes, jobType]);

  const schedule = (): Schedule => {
    if (scheduleType === 'timedelta') return { type: 'timedelta', seconds: Number(seconds) };
    if (scheduleType === 'cron') return { type: 'cron', expression, timezone };
    return { type: 'manual' };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setFormError(undefined);
    const parsed = parsePayload(payload);
    if ('error' in parsed) return setErrors({ payload: [parsed.error] });
    setErrors({});
    setBusy(true);
    try {
      const job = await props.api.call<Job>('POST', '/jobs', {
        job_type: jobType,
        payload: parsed.value,
        schedule_interval: schedule(),
        // Numbers as typed: the API checks ranges and says which field is wrong.
        priority: Number(priority),
        max_retries: Number(maxRetries),
        timeout_seconds: Number(timeout),
      });
      props.onCreated(job);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      const byField: FieldErrors = {};
      const unplaced: string[] = [];
      for (const { field, message } of caught.fieldErrors) {
        const placed = placeError(field, message);
        if (placed) byField[placed.field] = [...(byField[placed.field] ?? []), placed.text];
        else unplaced.push(`${field}: ${message}`);
      }
      setErrors(byField);
      setFormError([caught.message, ...unplaced].join(' '));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="create" aria-labelledby="create-heading">
      <h2 id="create-heading">Create job</h2>
      <form aria-labelledby="create-heading" onSubmit={(event) => void submit(event)} noValidate>
        {formError && (
          <p class="error" role="alert">
            {formError}
          </p>
        )}
        {props.jobTypesError && (
          <p class="error" role="alert">
            {props.jobTypesError}
          </p>
        )}
        <Field id="job-type" label="Job type" errors={errors.job_type}>
          <select
            id="job-type"
            value={jobType}
            onChange={(event) => setJobType(event.currentTarget.value)}
            {...described('job-type', errors.job_type)}
          >
            {props.jobTypes.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </Field>
        <Field id="payload" label="Payload" errors={errors.payload}>
          <textarea
            id="payload"
            rows={5}
            spellcheck={false}
            value={payload}
            onInput={(event) => setPayload(event.currentTarget.value)}
            {...described('payload', errors.payload)}
          />
        </Field>
        <Field id="schedule" label="Schedule" errors={errors.schedule_interval}>
          <select
            id="schedule"
            value={scheduleType}
            onChange={(event) => setScheduleType(event.currentTarget.value as Schedule['type'])}
            {...described('schedule', errors.schedule_interval)}
          >
            <option value="manual">manual (Run now only)</option>
            <option value="timedelta">every N seconds</option>
            <option value="cron">cron + time zone</option>
          </select>
        </Field>
        {scheduleType === 'timedelta' && (
          <div class="field">
            <label for="every-seconds">Every (seconds)</label>
            <input
              id="every-seconds"
              type="number"
              min={1}
              value={seconds}
              onInput={(event) => setSeconds(event.currentTarget.value)}
            />
          </div>
        )}
        {scheduleType === 'cron' && (
          <>
            <div class="field">
              <label for="cron-expression">Cron expression</label>
              <input
                id="cron-expression"
                value={expression}
                onInput={(event) => setExpression(event.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="time-zone">Time zone</label>
              <input
                id="time-zone"
                value={timezone}
                onInput={(event) => setTimezone(event.currentTarget.value)}
              />
            </div>
          </>
        )}
        <div class="row">
          <Field id="priority" label="Priority" errors={errors.priority}>
            <input
              id="priority"
              type="number"
              value={priority}
              onInput={(event) => setPriority(event.currentTarget.value)}
              {...described('priority', errors.priority)}
            />
          </Field>
          <Field id="max-retries" label="Max retries" errors={errors.max_retries}>
            <input
              id="max-retries"
              type="number"
              value={maxRetries}
              onInput={(event) => setMaxRetries(event.currentTarget.value)}
              {...described('max-retries', errors.max_retries)}
            />
          </Field>
          <Field id="timeout" label="Timeout" errors={errors.timeout_seconds}>
            <input
              id="timeout"
              type="number"
              title="seconds"
              value={timeout}
              onInput={(event) => setTimeoutSeconds(event.currentTarget.value)}
              {...described('timeout', errors.timeout_seconds)}
            />
          </Field>
        </div>
        <p class="hint">Priority 0–100 (higher runs first) · Max retries 0–25 · Timeout in seconds, 1–840.</p>
        <button type="submit" class="primary" disabled={busy}>
          Create job
        </button>
      </form>
    </section>
  );
}
