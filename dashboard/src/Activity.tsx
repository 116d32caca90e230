import { useState } from 'preact/hooks';
import { type Api, ApiError, STATUSES, type Stats } from './api.js';
import { span } from './format.js';
import { usePolling } from './polling.js';

const WINDOWS = ['15m', '1h', '6h', '24h'] as const;
const STATS_POLL_MS = 2000;
const WIDTH = 600;
const HEIGHT = 120;
const SERIES = ['completed', 'failed', 'cancelled'] as const;

/** Stacked bars, one per bucket (a minute over the last hour), oldest on the left. */
function Chart(props: { stats: Stats }) {
  const { buckets } = props.stats;
  const highest = Math.max(
    1,
    ...buckets.map((bucket) => bucket.completed + bucket.failed + bucket.cancelled),
  );
  const slot = WIDTH / Math.max(1, buckets.length);
  const totals = Object.fromEntries(
    SERIES.map((series) => [series, buckets.reduce((sum, bucket) => sum + bucket[series], 0)]),
  ) as Record<(typeof SERIES)[number], number>;
  const label = `Tasks finished per ${span(props.stats.bucket_seconds)} over the last ${span(props.stats.window_seconds)}: ${totals.completed} completed, ${totals.failed} failed, ${totals.cancelled} cancelled; at most ${highest} in one bucket.`;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
    >
      <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="axis" />
      {buckets.map((bucket, index) => {
        let top = HEIGHT;
        return SERIES.map((series) => {
          const height = (bucket[series] / highest) * (HEIGHT - 4);
          top -= height;
          return height > 0 ? (
            <rect
              key={`${bucket.start}-${series}`}
              class={`bar-${series}`}
              x={index * slot + 0.5}
              y={top}
              width={Math.max(1, slot - 1)}
              height={height}
            >
              <title>{`${new Date(bucket.start).toLocaleTimeString(undefined, { hour12: false })}: ${bucket[series]} ${series}`}</title>
            </rect>
          ) : null;
        });
      })}
    </svg>
  );
}

export function Activity(props: { api: Api }) {
  const [chosen, setChosen] = useState<(typeof WINDOWS)[number]>('1h');
  const [stats, setStats] = useState<Stats>();
  const [error, setError] = useState<string>();

  usePolling(
    async (current) => {
      try {
        const loaded = await props.api.call<Stats>('GET', `/stats?window=${chosen}`);
        if (current()) setStats(loaded);
        setError(undefined);
      } catch (caught) {
        // An API from before GET /stats existed: say what is missing rather than a bare "Not Found".
        if (caught instanceof ApiError && caught.status === 404)
          setError('This API has no activity statistics (GET /stats).');
        else setError(caught instanceof Error ? caught.message : String(caught));
      }
    },
    [props.api, chosen],
    STATS_POLL_MS,
  );

  return (
    <section class="activity" aria-labelledby="activity-heading">
      <div class="section-head">
        <h2 id="activity-heading">Activity</h2>
        <label>
          Window{' '}
          <select
            value={chosen}
            onChange={(event) => setChosen(event.currentTarget.value as (typeof WINDOWS)[number])}
          >
            {WINDOWS.map((value) => (
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
      {stats && (
        <div class="activity-body">
          <Chart stats={stats} />
          <ul class="legend">
            {SERIES.map((series) => (
              <li key={series}>
                <span class={`swatch bar-${series}`} /> {series}
              </li>
            ))}
          </ul>
          <dl class="counts" aria-label="Counts by status">
            {STATUSES.map((status) => (
              <div key={status}>
                <dt>{status}</dt>
                <dd>{stats.counts[status]}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
    </section>
  );
}
