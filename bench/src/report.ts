/** Prints `rows` under `header` as an aligned plain-text table; cells that look numeric align right. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = /^[-+]?[\d.,]+( ?[a-z/%×]+)?$/i;
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export const fixed = (value: number, digits: number): string => value.toFixed(digits);
export const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
