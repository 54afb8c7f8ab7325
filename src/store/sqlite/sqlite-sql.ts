/**
 * The SQL behind the SQLite store. Times are epoch milliseconds; a row whose
 * `expires_at` is past is absent, so every read and every conditional write
 * filters on it (`?now` parameters) instead of trusting the sweep.
 */
export const SQL_SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER NULL
  );
  CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS set_members (
    key TEXT NOT NULL,
    member TEXT NOT NULL,
    expires_at INTEGER NULL,
    PRIMARY KEY (key, member)
  );
  CREATE INDEX IF NOT EXISTS set_members_expires_at ON set_members (expires_at) WHERE expires_at IS NOT NULL;
  -- A set's members with an expiry, by set: adding to a large persistent set reads none of its rows.
  CREATE INDEX IF NOT EXISTS set_members_key_expires_at ON set_members (key, expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS list_items (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key, seq)
  );
  CREATE TABLE IF NOT EXISTS index_members (
    key TEXT NOT NULL,
    member TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (key, member)
  );
  CREATE INDEX IF NOT EXISTS index_members_by_score ON index_members (key, score, member);
  CREATE TABLE IF NOT EXISTS lex_members (
    key TEXT NOT NULL,
    member TEXT NOT NULL,
    PRIMARY KEY (key, member)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS index_expiry (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS index_expiry_at ON index_expiry (expires_at);
`;

const live = (table: string) => `(${table}.expires_at IS NULL OR ${table}.expires_at > ?)`;
const expired = (table: string) => `(${table}.expires_at IS NOT NULL AND ${table}.expires_at <= ?)`;

export const SQL = {
  get: `SELECT value FROM kv WHERE key = ? AND ${live('kv')}`,
  // One statement keeps the answer a single snapshot and in the order asked.
  getMany: `
    SELECT kv.value AS value FROM json_each(?) AS asked
    LEFT JOIN kv ON kv.key = asked.value AND ${live('kv')}
    ORDER BY asked.key`,
  set: `
    INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  // The update branch only fires over an expired row, so `changes` is 1 for exactly one caller.
  setIfAbsent: `
    INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE ${expired('kv')}`,
  take: `DELETE FROM kv WHERE key = ? AND ${live('kv')} RETURNING value`,
  compareAndDelete: `DELETE FROM kv WHERE key = ? AND value = ? AND ${live('kv')}`,
  deleteKv: `DELETE FROM kv WHERE key IN (SELECT value FROM json_each(?))`,
  deleteSets: `DELETE FROM set_members WHERE key IN (SELECT value FROM json_each(?))`,
  deleteLists: `DELETE FROM list_items WHERE key IN (SELECT value FROM json_each(?))`,
  deleteIndexes: `DELETE FROM index_members WHERE key IN (SELECT value FROM json_each(?))`,
  deleteLex: `DELETE FROM lex_members WHERE key IN (SELECT value FROM json_each(?))`,
  lexAdd: `INSERT INTO lex_members (key, member) VALUES (?, ?) ON CONFLICT (key, member) DO NOTHING`,
  lexRemove: `DELETE FROM lex_members WHERE key = ? AND member = ?`,
  indexAdd: `
    INSERT INTO index_members (key, member, score) VALUES (?, ?, ?)
    ON CONFLICT (key, member) DO UPDATE SET score = excluded.score`,
  indexRemove: `DELETE FROM index_members WHERE key = ? AND member = ?`,
  indexTrim: `DELETE FROM index_members WHERE key = ? AND score <= ?`,
  // Params: key, min, max, limit.
  indexRangeUp: `SELECT member, score FROM index_members WHERE key = ? AND score >= ? AND score <= ? ORDER BY score, member LIMIT ?`,
  indexRangeDown: `SELECT member, score FROM index_members WHERE key = ? AND score >= ? AND score <= ? ORDER BY score DESC, member DESC LIMIT ?`,
  // Params: key, min, max. A range of index_members_by_score (key, score, member), never a table scan.
  indexCount: `SELECT count(*) AS n FROM index_members WHERE key = ? AND score >= ? AND score <= ?`,
  // Params: setTo, key, upTo, limit. One statement: the choice and the move are one step.
  claimDue: `
    UPDATE index_members SET score = ?1
    WHERE key = ?2 AND member IN (SELECT member FROM index_members WHERE key = ?2 AND score <= ?3 ORDER BY score, member LIMIT ?4)
    RETURNING member`,
  // Positions are 0, 1, 2… with no gaps (items are never removed one by one).
  appendToList: `
    INSERT INTO list_items (key, seq, value)
    SELECT ?1, coalesce(max(seq) + 1, 0), ?2 FROM list_items WHERE key = ?1
    RETURNING seq + 1 AS length`,
  listRange: `SELECT value FROM list_items WHERE key = ? AND seq >= ? ORDER BY seq LIMIT ?`,
  listLength: `SELECT coalesce(max(seq) + 1, 0) AS length FROM list_items WHERE key = ?`,
  // Params: key, new window end, now. An expired counter restarts at 1 with a new
  // window; a live one keeps its window (fixed-window rate limiting).
  increment: `
    INSERT INTO kv AS c (key, value, expires_at) VALUES (?1, CAST(CAST(?4 AS INTEGER) AS TEXT), ?2)
    ON CONFLICT (key) DO UPDATE SET
      value = CASE WHEN c.expires_at IS NOT NULL AND c.expires_at <= ?3 THEN CAST(CAST(?4 AS INTEGER) AS TEXT)
                   ELSE CAST(CAST(c.value AS INTEGER) + CAST(?4 AS INTEGER) AS TEXT) END,
      expires_at = CASE WHEN c.expires_at IS NOT NULL AND c.expires_at <= ?3 THEN excluded.expires_at
                   ELSE coalesce(c.expires_at, excluded.expires_at) END
    RETURNING value`,
  sweepSet: `DELETE FROM set_members WHERE key = ? AND expires_at IS NOT NULL AND expires_at <= ?`,
  // Whether the set has a member without expiry, and its latest expiry: index look-ups, not a count of the set.
  setExpiry: `
    SELECT EXISTS (SELECT 1 FROM set_members WHERE key = ?1 AND expires_at IS NULL) AS persistent,
           (SELECT max(expires_at) FROM set_members WHERE key = ?1 AND expires_at IS NOT NULL) AS latest`,
  addMember: `
    INSERT INTO set_members (key, member, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key, member) DO UPDATE SET expires_at = excluded.expires_at`,
  // Only rows whose expiry changes are written: adding to a large persistent set touches one row, not all of them.
  setSetExpiry: `UPDATE set_members SET expires_at = ?1 WHERE key = ?2 AND (expires_at IS NULL OR expires_at <> ?1)`,
  setSetPersistent: `UPDATE set_members SET expires_at = NULL WHERE key = ? AND expires_at IS NOT NULL`,
  removeMember: `DELETE FROM set_members WHERE key = ? AND member = ?`,
  members: `SELECT member FROM set_members WHERE key = ? AND ${live('set_members')}`,
  // Params: key, after (exclusive; '' from the start), now, limit. The primary key makes it a range scan.
  scanMembers: `SELECT member FROM set_members WHERE key = ? AND member > ? AND ${live('set_members')} ORDER BY member LIMIT ?`,
  sweepKv: `DELETE FROM kv WHERE ${expired('kv')}`,
  sweepSets: `DELETE FROM set_members WHERE ${expired('set_members')}`,
  ping: `SELECT 1`,
  // Scored indexes with an end (indexExpireAt). Params: key, now.
  indexExpired: `SELECT 1 AS ended FROM index_expiry WHERE key = ? AND expires_at <= ?`,
  purgeIndexMembers: `DELETE FROM index_members WHERE key = ?1 AND EXISTS (SELECT 1 FROM index_expiry WHERE key = ?1 AND expires_at <= ?2)`,
  purgeIndexExpiry: `DELETE FROM index_expiry WHERE key = ? AND expires_at <= ?`,
  // Params: key, at. Only an index with members gets an end (an absent index stays absent).
  indexExpireAt: `
    INSERT INTO index_expiry (key, expires_at) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM index_members WHERE key = ?1)
    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at`,
  deleteIndexExpiry: `DELETE FROM index_expiry WHERE key IN (SELECT value FROM json_each(?))`,
  sweepIndexMembers: `DELETE FROM index_members WHERE key IN (SELECT key FROM index_expiry WHERE expires_at <= ?)`,
  sweepIndexExpiry: `DELETE FROM index_expiry WHERE expires_at <= ?`,
} as const;

/**
 * A `lexRange` statement of one shape: the primary key (key, member) makes
 * it a range scan of the index. TEXT compares with the BINARY collation,
 * memcmp of the UTF-8: the byte order Redis uses for ZRANGE BYLEX.
 * Params: key, then the low bound if any, then the high bound if any, then the limit.
 */
export function lexRangeSql(shape: { low?: 'inclusive' | 'exclusive'; high: boolean; reverse: boolean }): string {
  const low = shape.low === undefined ? '' : shape.low === 'inclusive' ? ' AND member >= ?' : ' AND member > ?';
  const high = shape.high ? ' AND member < ?' : '';
  return `SELECT member FROM lex_members WHERE key = ?${low}${high} ORDER BY member${shape.reverse ? ' DESC' : ''} LIMIT ?`;
}
