/** Parses a command's JSON output as the unknown it is, to be checked before use. */
export function parseJson(text: string): unknown {
  return JSON.parse(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON array of objects, checked rather than cast. */
export function records(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isRecord)) throw new TypeError(`expected a JSON array of objects: ${JSON.stringify(value)}`);
  return value;
}
