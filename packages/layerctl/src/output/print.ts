/** Indentation of JSON output; docker inspect uses four spaces. */
const JSON_INDENT = 4;

/** Writes text to stdout. */
export function print(text: string): void {
  process.stdout.write(text);
}

/** Writes a value as indented JSON and a newline to stdout. */
export function printJson(value: unknown): void {
  print(`${JSON.stringify(value, null, JSON_INDENT)}\n`);
}
