/** The spaces between columns, as `docker images` pads them. */
const COLUMN_GAP = 3;

/** Lines of left-aligned columns under a header; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const lines = all.map((row) =>
    header
      .map((_, column) => {
        const cell = row[column] ?? '';
        return column === header.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + COLUMN_GAP);
      })
      .join('')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
