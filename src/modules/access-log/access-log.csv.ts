import type { AccessReportEntry } from './access-log.service.ts';

/** A person's access report as CSV: one line per access, newest first (the JSON's fields, flattened). */
const HEADER = [
  'occurred_at',
  'kind',
  'actor_type',
  'actor_id',
  'actor_role',
  'actor_consulate_id',
  'action',
  'entity_type',
  'entity_id',
  'purpose',
  'changed_fields',
  'request_id',
];

function cell(value: string | null): string {
  let text = value ?? '';
  // A request id is the client's: never let a spreadsheet read a cell as a formula.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportCsv(entries: readonly AccessReportEntry[]): string {
  const lines = [HEADER.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.occurredAt,
        e.kind,
        e.actor.type,
        e.actor.id,
        e.actor.role,
        e.actor.consulateId,
        e.action,
        e.entityType,
        e.entityId,
        e.purpose,
        e.changedFields.join(';'),
        e.requestId,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
