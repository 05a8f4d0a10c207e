/**
 * Statistics as CSV: one row per consulate and figure, with the figure's
 * dotted name, its value and its drill-down.
 */
const HEADER = ['consulate_code', 'consulate_id', 'period_from', 'period_to', 'figure', 'value', 'drill_down'];

function cell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Flattens a figure tree into `[name, value, drillDown]` rows. */
export function flatten(tree: unknown, prefix = ''): [string, number | null, string][] {
  if (tree === null || typeof tree !== 'object') return [[prefix, tree as number | null, '']];
  const node = tree as Record<string, unknown>;
  if (('value' in node || 'sum' in node) && 'drillDown' in node) {
    return [[prefix, (node.value ?? node.sum) as number, node.drillDown as string]];
  }
  return Object.entries(node).flatMap(([key, child]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child !== null && typeof child === 'object') return flatten(child, name);
    // Percentiles and shares: a number without a drill-down of its own, computed
    // over the population named beside it.
    const population = (node.population ?? node.denominator) as { drillDown?: string } | undefined;
    return [[name, child as number | null, population?.drillDown ?? '']];
  });
}

export function toCsv(rows: { code: string; id: string; from: string; to: string; figures: unknown }[]): string {
  const lines = [HEADER.join(',')];
  for (const row of rows) {
    for (const [figure, value, drill] of flatten(row.figures)) {
      lines.push([row.code, row.id, row.from, row.to, figure, value, drill].map((v) => cell(v ?? null)).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
