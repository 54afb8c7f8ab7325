import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { MAX_CSV_ROWS, parseInvitationCsv, readCsv } from './invitation-csv.ts';

describe('invitation CSV', () => {
  it('reads RFC 4180: quotes, doubled quotes, commas and line breaks inside quotes, CRLF, a BOM', () => {
    assert.deepEqual(readCsv('a,"b,c","say ""hi"""\r\n"multi\nline",x\n').records, [
      { line: 1, fields: ['a', 'b,c', 'say "hi"'] },
      { line: 2, fields: ['multi\nline', 'x'] },
    ]);
    // Each record's line is the one it starts on, past blank lines and values spanning lines; CR alone ends a row too.
    assert.deepEqual(
      readCsv('h\n\n"one\ntwo\r\nthree",x\rnext\r\n\r\n"a\r\nb"\nlast').records.map((record) => record.line),
      [1, 3, 6, 8, 10],
    );
    const { invitees, problems } = parseInvitationCsv(
      '\uFEFFEmail,Name,Role,Groups\r\nAnn@Example.com,"Ann, A.",site-admin,partners; billing\r\nbob@example.com,,,\r\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(invitees, [
      { line: 2, email: 'ann@example.com', name: 'Ann, A.', role: 'site-admin', groups: ['partners', 'billing'] },
      { line: 3, email: 'bob@example.com', name: undefined, role: 'user', groups: [] },
    ]);
  });

  it('reports every bad row by its line, and keeps no row when any is bad', () => {
    const csv = [
      'email,name,role,groups',
      'good@example.com,Good,user,',
      'not-an-email,Bad,user,',
      'good@example.com,Again,user,',
      'c@example.com,C,owner,',
      'd@example.com,D,user,ok;<script>',
      '',
      'e@example.com,E,user,,extra',
    ].join('\n');
    const { problems } = parseInvitationCsv(csv);
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [3, 4, 5, 6, 8],
    );
    assert.match(problems[0]!.message, /"not-an-email" is not an email address/);
    assert.match(problems[1]!.message, /also on line 2/);
    assert.match(problems[2]!.message, /role "owner"/);
    assert.match(problems[3]!.message, /group "<script>"/);
    assert.match(problems[4]!.message, /5 values for 4 columns/);
  });

  it('needs a header naming the email column, and at least one person, and at most 500', () => {
    assert.match(parseInvitationCsv('').problems[0]!.message, /empty/);
    assert.match(parseInvitationCsv('ann@example.com,Ann\n').problems[0]!.message, /include "email"/);
    assert.match(
      parseInvitationCsv('email,colour\n')
        .problems.map((p) => p.message)
        .join(' '),
      /Unknown column: colour.*no one to invite/,
    );
    const many = ['email', ...Array.from({ length: MAX_CSV_ROWS + 1 }, (_, i) => `p${i}@example.com`)].join('\n');
    const { invitees, problems } = parseInvitationCsv(many);
    assert.equal(invitees.length, 0);
    assert.match(problems[0]!.message, /At most 500/);
  });

  it('a file csv-parse cannot read imports no one, and says on which line', () => {
    const unclosed = parseInvitationCsv('email,name\nann@example.com,Ann\nbob@example.com,"Bob\ncarl@example.com,Carl\n');
    assert.deepEqual(unclosed.invitees, []);
    assert.equal(unclosed.problems.length, 1);
    assert.equal(unclosed.problems[0]!.line, 3);
    assert.match(unclosed.problems[0]!.message, /quote \("\) that is never closed/);
    // A quote inside an unquoted value is a character, as spreadsheets write it.
    assert.deepEqual(
      parseInvitationCsv('email,name\nann@example.com,Ann "the" A\n').invitees.map((invitee) => invitee.name),
      ['Ann "the" A'],
    );
  });
});
