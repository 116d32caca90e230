import type { Field } from './cron-fields.js';

/**
 * cron-parser 5.10.6's `H` ("hashed") values, reproduced for ./cron-fields.ts: one draw per field from a generator
 * seeded by the expression, so every process (every Lambda container) picks the same minute for `H H * * *` and a
 * stored schedule keeps its times. Unseeded, cron-parser picked at random on every parse.
 */

/** No field holds this many values: more means a list repeats itself. */
const MAX_FIELD_VALUES = 256;

/** Replaces each `H`, `H/step`, `H(min-max)`, `H(min-max)/step` by the values the seeded draw picks. */
export function replaceHashed(definition: Field, value: string, draw: number): string {
  let count = 0;
  const countValues = (values: number) => {
    count += values;
    assertFieldSize(definition, count);
  };
  return value.replace(
    /H(?:\((\d+)-(\d+)\))?(?:\/(\d+))?/g,
    (_, min: string | undefined, max: string | undefined, step: string | undefined) => {
      const every = step ? Number.parseInt(step, 10) : 0;
      if (step && every <= 0) throw new Error(`Invalid step: ${every}, must be positive`);
      const range =
        min && max ? hashedRange(definition, Number.parseInt(min, 10), Number.parseInt(max, 10)) : definition;
      if (!step) return String(hashedValue(draw, range.min, range.max));
      countValues(Math.ceil((range.max - range.min + 1) / every));
      return hashedStep(draw, range.min, range.max, every);
    },
  );
}

function hashedValue(draw: number, min: number, max: number): number {
  return Math.floor(draw * (max - min + 1)) + min;
}

/** An explicit `H(min-max)` range, narrowed to the values the field holds. */
function hashedRange(definition: Field, min: number, max: number): { min: number; max: number } {
  if (min > max) throw new Error(`Invalid range: ${min}-${max}, min > max`);
  const usable = { min: Math.max(min, definition.min), max: Math.min(max, definition.max) };
  if (usable.min > usable.max) {
    const name = definition.name.charAt(0).toLowerCase() + definition.name.slice(1);
    throw new Error(`Invalid range: ${min}-${max}, no usable value in the ${name} field`);
  }
  return usable;
}

/** Every `step` from a seeded offset; a step wider than the range gives one hashed value instead. */
function hashedStep(draw: number, min: number, max: number, step: number): string {
  const offset = Math.floor(draw * step);
  const values: number[] = [];
  for (let i = Math.floor(min / step) * step + offset; i <= max; i += step) if (i >= min) values.push(i);
  return values.length === 0 ? String(hashedValue(draw, min, max)) : values.join(',');
}

export function assertFieldSize(definition: Field, count: number): void {
  if (count > MAX_FIELD_VALUES)
    throw new Error(
      `Constraint error, too many values in ${definition.name} field, expected at most ${MAX_FIELD_VALUES}`,
    );
}

/** cron-parser's generator: FNV-1a of the seed, then mulberry32. */
export function seededRandom(seed: string): () => number {
  let hash = 2166136261 >>> 0;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  let state = hash >>> 0;
  return () => {
    state += 0x6d2b79f5;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
