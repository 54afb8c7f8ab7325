import type { StoredAuditEvent } from './audit-event.ts';

export const AUDIT_CSV_COLUMNS = ['at', 'action', 'outcome', 'site', 'username', 'accountId', 'actor', 'ip', 'requestId', 'detail'] as const;

/**
 * One CSV field (RFC 4180). A value a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR at the start) is prefixed with ' so opening the export
 * cannot execute what a user typed into a user name.
 */
export function csvField(value: string | undefined): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsvHeader(): string {
  return `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
}

export function auditCsvRow(event: StoredAuditEvent): string {
  const values: (string | undefined)[] = [
    event.at,
    event.action,
    event.outcome,
    event.site,
    event.username,
    event.accountId,
    event.actor,
    event.ip,
    event.requestId,
    event.detail ? JSON.stringify(event.detail) : undefined,
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}
