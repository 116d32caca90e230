import { useEffect, useRef } from 'preact/hooks';

/** How often what is on screen is refreshed: statuses must change within 2 s without a reload. */
export const POLL_MS = 1000;

/**
 * Runs `refresh` now and then every `intervalMs` while the tab is visible; a hidden tab makes no requests, and
 * becoming visible again refreshes at once. One refresh at a time: a slow answer delays the next, never stacks.
 * `refresh` gets `current()`, false once `deps` changed (a new filter, another job): an answer that arrives after
 * that is for a view no longer shown and must not be drawn.
 */
export function usePolling(
  refresh: (current: () => boolean) => Promise<void>,
  deps: unknown[],
  intervalMs = POLL_MS,
): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let stopped = false;
    let running = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      timer = undefined;
      if (stopped || document.hidden) return;
      running = true;
      try {
        await latest.current(() => !stopped);
      } finally {
        running = false;
        if (!stopped && !document.hidden) timer = setTimeout(tick, intervalMs);
      }
    };
    const onVisibility = () => {
      if (!document.hidden && !running && timer === undefined) void tick();
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, deps);
}
