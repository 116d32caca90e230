import { HttpError } from './errors.js';

/** The version an If-Match names. Missing → 428; not one of our ETags → 412 (it cannot match). */
export function requiredVersion(ifMatch: string | undefined): number {
  if (!ifMatch) {
    throw new HttpError(
      428,
      'Precondition Required',
      'Send If-Match with the ETag of the version you are changing.',
      {
        type: 'if-match-required',
      },
    );
  }
  const match = /^"(\d{1,15})"$/.exec(ifMatch.trim());
  if (!match?.[1])
    throw new HttpError(412, 'Precondition Failed', 'If-Match does not name a version of this job.');
  return Number(match[1]);
}
