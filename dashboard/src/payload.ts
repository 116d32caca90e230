/** Checks the payload before it is sent: JSON, and an object, as the API requires. */
export function parsePayload(text: string): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { error: 'The payload must be a JSON object, such as {"prompt": "…"}.' };
  return { value: value as Record<string, unknown> };
}
