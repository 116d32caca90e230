/**
 * The API's limits, in one place: the request schemas enforce them and the OpenAPI document publishes them. They
 * keep every row far below the Data API's 64 KB per-row response limit.
 */
export const LIMITS = {
  bodyBytes: 256 * 1024,
  /** Levels of nested objects and arrays in a body, the body itself being level 1. */
  jsonDepth: 32,
  promptChars: 8_000,
  payloadBytes: 16 * 1024,
  maxRetries: 25,
  /** A worker Lambda runs for at most 15 minutes; an attempt must end well before that. */
  timeoutSeconds: { min: 1, max: 840, default: 300 },
  timedeltaSeconds: 366 * 24 * 3600,
  idempotencyKeyChars: 255,
  pageSize: { min: 1, max: 100, default: 20 },
} as const;
