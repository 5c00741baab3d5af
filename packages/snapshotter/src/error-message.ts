/** The message of a caught error, for a sentence that wraps it; anything thrown that is no Error, as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
