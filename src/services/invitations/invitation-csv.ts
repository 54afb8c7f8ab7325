import { z } from 'zod';
import type { InvitationRole } from './invitation-model.ts';

export interface CsvInvitee {
  line: number;
  email: string;
  name?: string;
  role: InvitationRole;
  groups: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

export const MAX_CSV_ROWS = 500;
const email = z.email();
const group = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/**
 * Reads an invitation list: a header row naming the columns (`email`
 * required; `name`, `role` = user | site-admin, `groups` separated by `;`),
 * then one person per row. Every problem is reported with its line number;
 * the caller imports nothing unless there are none (all or nothing).
 */
export function parseInvitationCsv(text: string): { invitees: CsvInvitee[]; problems: CsvProblem[] } {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const problems: CsvProblem[] = [];
  const header = records.shift();
  if (!header) return { invitees: [], problems: [{ line: 1, message: 'The file is empty. The first row must name the columns, e.g. email,name,role,groups.' }] };
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const at = (name: string) => columns.indexOf(name);
  if (at('email') < 0) return { invitees: [], problems: [{ line: header.line, message: 'The first row must name the columns and include "email", e.g. email,name,role,groups.' }] };
  const unknown = columns.filter((name) => !['email', 'name', 'role', 'groups'].includes(name));
  if (unknown.length) problems.push({ line: header.line, message: `Unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.` });
  const rows = records.filter((record) => record.fields.some((field) => field.trim() !== ''));
  if (rows.length === 0) problems.push({ line: header.line, message: 'The file has no one to invite below the header row.' });
  if (rows.length > MAX_CSV_ROWS) return { invitees: [], problems: [{ line: rows[MAX_CSV_ROWS]!.line, message: `At most ${MAX_CSV_ROWS} people per file.` }] };

  const seen = new Map<string, number>();
  const invitees: CsvInvitee[] = [];
  for (const { line, fields } of rows) {
    const value = (name: string) => (at(name) < 0 ? '' : (fields[at(name)] ?? '').trim());
    const address = value('email').toLowerCase();
    const role = (value('role') || 'user').toLowerCase();
    const groups = value('groups').split(';').map((name) => name.trim()).filter(Boolean);
    const rowProblems: string[] = [];
    if (fields.length > columns.length) rowProblems.push(`${fields.length} values for ${columns.length} columns`);
    if (!email.safeParse(address).success || address.length > 254) rowProblems.push(`"${value('email').slice(0, 80)}" is not an email address`);
    else if (seen.has(address)) rowProblems.push(`${address} is also on line ${seen.get(address)}`);
    if (role !== 'user' && role !== 'site-admin') rowProblems.push(`role "${role.slice(0, 40)}" is not user or site-admin`);
    const badGroup = groups.find((name) => !group.test(name));
    if (badGroup !== undefined) rowProblems.push(`group "${badGroup.slice(0, 40)}" may use letters, digits, space . _ - (at most 64)`);
    if (value('name').length > 100) rowProblems.push('the name is longer than 100 characters');
    if (!seen.has(address)) seen.set(address, line);
    if (rowProblems.length) problems.push({ line, message: `${rowProblems.join('; ')}.` });
    else invitees.push({ line, email: address, name: value('name') || undefined, role: role as InvitationRole, groups });
  }
  return { invitees, problems };
}

/** RFC 4180 records with the line each starts on (quoted fields may span lines). */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      fields.push(field);
      records.push({ line: start, fields });
      fields = [];
      field = '';
      line += 1;
      start = line;
    } else field += char;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: start, fields });
  }
  return records;
}
