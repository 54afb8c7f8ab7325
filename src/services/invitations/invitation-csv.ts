import { CsvError, parse } from 'csv-parse/sync';
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
  const { records, problem } = readCsv(text);
  if (problem) return { invitees: [], problems: [problem] };
  const problems: CsvProblem[] = [];
  const header = records.shift();
  if (!header)
    return { invitees: [], problems: [{ line: 1, message: 'The file is empty. The first row must name the columns, e.g. email,name,role,groups.' }] };
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const at = (name: string) => columns.indexOf(name);
  if (at('email') < 0)
    return {
      invitees: [],
      problems: [{ line: header.line, message: 'The first row must name the columns and include "email", e.g. email,name,role,groups.' }],
    };
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
    const groups = value('groups')
      .split(';')
      .map((name) => name.trim())
      .filter(Boolean);
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

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records by csv-parse, each with the line it starts on (a quoted
 * value may span lines), or the one problem that stops the file being read,
 * with its line. Lenient where spreadsheets are: a quote inside an unquoted
 * value is a character, rows may differ in length (the caller says which row
 * has too many values), CRLF, LF and CR all end a row, a BOM is dropped.
 */
export function readCsv(text: string): { records: CsvRecord[]; problem?: CsvProblem } {
  // csv-parse counts a CRLF inside a quoted value as two lines; an editor shows one. Its count is corrected by those seen so far.
  let extra = 0;
  let lastLine = 0;
  const records: CsvRecord[] = [];
  try {
    parse(text, {
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (fields: string[], context) => {
        extra += fields.reduce((count, field) => count + (field.match(/\r\n/g)?.length ?? 0), 0);
        lastLine = context.lines - extra;
        // csv-parse gives the line a record ends on; the admin looks for the one it starts on.
        records.push({ line: lastLine - fields.reduce((count, field) => count + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0), fields });
        return null;
      },
    });
    return { records };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // An unclosed quote is noticed at the end of the file; it opened on the line after the last whole row.
    if (error.code === 'CSV_QUOTE_NOT_CLOSED')
      return { records: [], problem: { line: lastLine + 1, message: 'A value starts with a quote (") that is never closed. Nothing below it can be read.' } };
    return { records: [], problem: { line: lastLine + 1, message: `This line is not valid CSV (${error.message.replace(/ at line \d+.*$/, '')}).` } };
  }
}
