import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { keysOfWrite, lexBounds, type Store, StoreUnavailableError, type WriteOp } from '../port.ts';
import { lexRangeSql, SQL, SQL_SCHEMA } from './sqlite-sql.ts';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for unit tests. */
  path: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** How often expired rows are deleted; reads ignore them meanwhile. */
  sweepIntervalMs?: number;
}

type Statements = { [name in keyof typeof SQL]: StatementSync };

/**
 * The embedded backend. Every operation is one SQL statement (or one
 * IMMEDIATE transaction for sets), so several processes sharing the file
 * cannot interleave inside a check-and-write: the trap of a consume that is a
 * separate read and write cannot happen here. Expiry is checked in the SQL
 * itself; the sweep only reclaims space.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(SQL_SCHEMA);
  const stmt = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Statements;

  // One prepared statement per shape of lexRange (which bounds it has, which way).
  const lexStatements = new Map<string, StatementSync>();
  const lexStatement = (shape: { low?: 'inclusive' | 'exclusive'; high: boolean; reverse: boolean }) => {
    const sql = lexRangeSql(shape);
    const prepared = lexStatements.get(sql) ?? db.prepare(sql);
    lexStatements.set(sql, prepared);
    return prepared;
  };

  let closed = false;
  const sweep = setInterval(() => {
    // A busy file only delays the sweep; the next tick retries.
    try {
      const now = Date.now();
      stmt.sweepKv.run(now);
      stmt.sweepSets.run(now);
      stmt.sweepIndexMembers.run(now);
      stmt.sweepIndexExpiry.run(now);
    } catch {}
  }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();

  function expiry(ttlSeconds: number | undefined): number | null {
    if (ttlSeconds === undefined) return null;
    const ms = Math.round(ttlSeconds * 1000);
    if (!(ms > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    return Date.now() + ms;
  }

  /** SQLite errors (busy file, full disk, closed handle) become 503s like Redis outages. */
  async function guard<T>(op: string, run: () => T): Promise<T> {
    try {
      return run();
    } catch (error) {
      if (error instanceof RangeError) throw error; // a caller's bug, not an outage
      throw new StoreUnavailableError(`sqlite ${op} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  function inImmediateTransaction<T>(run: () => T): T {
    // IMMEDIATE takes the write lock up front, so a read-then-write cannot be overtaken.
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = run();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  /** An index past its end (indexExpireAt) is removed before a write touches it, so a new one starts fresh. */
  function purgeEnded(key: string): void {
    if (!ended(key)) return; // one primary-key look-up on the common path
    const now = Date.now();
    stmt.purgeIndexMembers.run(key, now);
    stmt.purgeIndexExpiry.run(key, now);
  }

  function ended(key: string): boolean {
    return stmt.indexExpired.get(key, Date.now()) !== undefined;
  }

  /** One step of writeAll, inside its transaction. */
  function apply(op: WriteOp): void {
    if (op.op === 'indexAdd' || op.op === 'indexRemove' || op.op === 'indexTrim' || op.op === 'indexExpireAt') purgeEnded(op.key);
    switch (op.op) {
      case 'set':
        stmt.set.run(op.key, op.value, expiry(op.ttlSeconds));
        return;
      case 'delete': {
        const list = JSON.stringify([op.key]);
        stmt.deleteKv.run(list);
        stmt.deleteSets.run(list);
        stmt.deleteLists.run(list);
        stmt.deleteIndexes.run(list);
        stmt.deleteIndexExpiry.run(list);
        stmt.deleteLex.run(list);
        return;
      }
      case 'addToSet':
        // A member added here never expires, and neither does its set (as addToSet without a ttl);
        // members already expired stay gone.
        stmt.sweepSet.run(op.key, Date.now());
        stmt.addMember.run(op.key, op.member, null);
        stmt.setSetPersistent.run(op.key);
        return;
      case 'removeFromSet':
        stmt.removeMember.run(op.key, op.member);
        return;
      case 'indexAdd':
        stmt.indexAdd.run(op.key, op.member, op.score);
        return;
      case 'indexRemove':
        stmt.indexRemove.run(op.key, op.member);
        return;
      case 'indexTrim':
        stmt.indexTrim.run(op.key, op.maxScore);
        return;
      case 'lexAdd':
        stmt.lexAdd.run(op.key, op.member);
        return;
      case 'lexRemove':
        stmt.lexRemove.run(op.key, op.member);
        return;
      case 'indexExpireAt':
        stmt.indexExpireAt.run(op.key, op.at);
        purgeEnded(op.key);
        return;
    }
  }

  return {
    get: (key) => guard('get', () => (stmt.get.get(key, Date.now()) as { value: string } | undefined)?.value),

    getMany: (keys) =>
      guard('getMany', () => {
        if (keys.length === 0) return [];
        const rows = stmt.getMany.all(JSON.stringify(keys), Date.now()) as { value: string | null }[];
        return rows.map((row) => row.value ?? undefined);
      }),

    set: (key, value, opts) =>
      guard('set', () => {
        stmt.set.run(key, value, expiry(opts?.ttlSeconds));
      }),

    setIfAbsent: (key, value, opts) => guard('setIfAbsent', () => stmt.setIfAbsent.run(key, value, expiry(opts?.ttlSeconds), Date.now()).changes === 1),

    take: (key) => guard('take', () => (stmt.take.get(key, Date.now()) as { value: string } | undefined)?.value),

    compareAndDelete: (key, expected) => guard('compareAndDelete', () => stmt.compareAndDelete.run(key, expected, Date.now()).changes === 1),

    delete: (...keys) =>
      guard('delete', () => {
        if (keys.length === 0) return;
        const list = JSON.stringify(keys);
        inImmediateTransaction(() => {
          stmt.deleteKv.run(list);
          stmt.deleteSets.run(list);
          stmt.deleteLists.run(list);
          stmt.deleteIndexes.run(list);
          stmt.deleteIndexExpiry.run(list);
          stmt.deleteLex.run(list);
        });
      }),

    increment: (key, ttlSeconds, by = 1) =>
      guard('increment', () => {
        const windowEnd = expiry(ttlSeconds);
        const row = stmt.increment.get(key, windowEnd, Date.now(), Math.trunc(by)) as { value: string };
        return Number(row.value);
      }),

    addToSet: (key, member, opts) =>
      guard('addToSet', () =>
        inImmediateTransaction(() => {
          const now = Date.now();
          stmt.sweepSet.run(key, now);
          // The whole set shares one expiry, the later of the two; null means never.
          const current = stmt.setExpiry.get(key) as { persistent: number; latest: number | null };
          const wanted = expiry(opts?.ttlSeconds);
          const expiresAt = wanted === null || current.persistent > 0 ? null : Math.max(wanted, current.latest ?? wanted);
          stmt.addMember.run(key, member, expiresAt);
          if (expiresAt === null) stmt.setSetPersistent.run(key);
          else stmt.setSetExpiry.run(expiresAt, key);
        }),
      ),

    removeFromSet: (key, member) =>
      guard('removeFromSet', () => {
        stmt.removeMember.run(key, member);
      }),

    setMembers: (key) => guard('setMembers', () => (stmt.members.all(key, Date.now()) as { member: string }[]).map((r) => r.member)),

    setScan: (key, opts) =>
      guard('setScan', () => {
        const count = Math.max(1, Math.trunc(opts.count));
        // The cursor is the last member answered: members order by their UTF-8, so a walk never goes back.
        const members = (stmt.scanMembers.all(key, opts.cursor ?? '', Date.now(), count) as { member: string }[]).map((row) => row.member);
        return members.length < count ? { members } : { members, cursor: members.at(-1) };
      }),

    appendToList: (key, value) =>
      // IMMEDIATE: the max(seq) read and the insert happen under one write lock, across processes too.
      guard('appendToList', () => inImmediateTransaction(() => Number((stmt.appendToList.get(key, value) as { length: number }).length))),

    listRange: (key, start, count) =>
      guard('listRange', () => {
        if (!(start >= 0 && count >= 0)) throw new RangeError(`listRange needs start and count >= 0, got ${start}, ${count}`);
        return (stmt.listRange.all(key, Math.trunc(start), Math.trunc(count)) as { value: string }[]).map((row) => row.value);
      }),

    listLength: (key) => guard('listLength', () => Number((stmt.listLength.get(key) as { length: number }).length)),

    writeAll: (ops, opts) =>
      guard('writeAll', () => {
        keysOfWrite(ops, opts?.onlyIf);
        // IMMEDIATE: the guard's read and every write happen under one write lock; a kill mid-way rolls back.
        return inImmediateTransaction(() => {
          if (opts?.onlyIf) {
            const current = (stmt.get.get(opts.onlyIf.key, Date.now()) as { value: string } | undefined)?.value;
            if (current !== opts.onlyIf.equals) return false;
          }
          for (const op of ops) apply(op);
          return true;
        });
      }),

    indexRange: (key, opts) =>
      guard('indexRange', () => {
        if (!(opts.limit >= 0)) throw new RangeError(`indexRange needs limit >= 0, got ${opts.limit}`);
        if (ended(key)) return [];
        const statement = opts.reverse ? stmt.indexRangeDown : stmt.indexRangeUp;
        const rows = statement.all(key, opts.min ?? -Number.MAX_VALUE, opts.max ?? Number.MAX_VALUE, Math.trunc(opts.limit)) as {
          member: string;
          score: number;
        }[];
        return rows.map((row) => ({ member: row.member, score: Number(row.score) }));
      }),

    indexCount: (key, opts) =>
      guard('indexCount', () => {
        if (ended(key)) return 0;
        return Number((stmt.indexCount.get(key, opts?.min ?? -Number.MAX_VALUE, opts?.max ?? Number.MAX_VALUE) as { n: number }).n);
      }),

    claimDue: (key, opts) =>
      guard('claimDue', () => {
        if (!(opts.limit >= 0) || !Number.isFinite(opts.upTo) || !Number.isFinite(opts.setTo))
          throw new RangeError('claimDue needs finite scores and limit >= 0');
        if (opts.limit === 0) return [];
        if (ended(key)) return [];
        return (stmt.claimDue.all(opts.setTo, key, opts.upTo, Math.trunc(opts.limit)) as { member: string }[]).map((row) => row.member);
      }),

    lexRange: (key, opts) =>
      guard('lexRange', () => {
        const { low, high } = lexBounds(opts);
        if (opts.limit === 0) return [];
        const statement = lexStatement({ low: low && (low.inclusive ? 'inclusive' : 'exclusive'), high: high !== undefined, reverse: opts.reverse === true });
        const params = [key, ...(low ? [low.value] : []), ...(high === undefined ? [] : [high]), Math.trunc(opts.limit)];
        return (statement.all(...params) as { member: string }[]).map((row) => row.member);
      }),

    ping: () =>
      guard('ping', () => {
        stmt.ping.get();
      }),

    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      db.close();
    },
  };
}
