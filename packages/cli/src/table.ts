import { oneLine } from './terminal.js';

/**
 * A plain aligned table: no borders, headers upper-cased, columns two spaces apart. The last column
 * is not padded, so lines carry no trailing blanks. A cell's control characters are shown, never sent.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => row.map(oneLine))];
  const widths = headers.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  return lines
    .map((line) =>
      headers
        .map((_, column) => {
          const cell = line[column] ?? '';
          return column === headers.length - 1 ? cell : cell + ' '.repeat(widths[column]! - cell.length);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
