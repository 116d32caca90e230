import type { Schedule } from './api.js';

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

export function formatSchedule(schedule: Schedule): string {
  switch (schedule.type) {
    case 'manual':
      return 'manual';
    case 'timedelta':
      return `every ${schedule.seconds} s`;
    case 'cron':
      return `cron ${schedule.expression} (${schedule.timezone})`;
  }
}

/** Between two instants, or from the start until now for a running task. */
export function formatDuration(started: string | null, finished: string | null, now = Date.now()): string {
  if (!started) return '—';
  const end = finished ? new Date(finished).getTime() : now;
  const ms = Math.max(0, end - new Date(started).getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const shortId = (id: string) => id.slice(0, 8);

/** 60 → "minute", 900 → "15 minutes", 3600 → "hour", 86400 → "24 hours". */
export function span(seconds: number): string {
  const [amount, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [seconds / 60, 'minute'];
  return amount === 1 ? unit : `${amount} ${unit}s`;
}
