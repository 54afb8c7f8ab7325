import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createServerList } from './failover.ts';

describe('server list', () => {
  it('keeps the configured order while all servers answer', () => {
    assert.deepEqual(createServerList(['a', 'b', 'c']).order(), ['a', 'b', 'c']);
  });

  it('moves a failed server to the back for 30 s, then prefers it again', () => {
    let now = 1_000_000;
    const servers = createServerList(['a', 'b', 'c'], () => now);
    servers.markDown('a');
    assert.deepEqual(servers.order(), ['b', 'c', 'a']);
    servers.markDown('b');
    assert.deepEqual(servers.order(), ['c', 'a', 'b'], 'all down still leaves every server to try');
    now += 30_001;
    assert.deepEqual(servers.order(), ['a', 'b', 'c']);
    servers.markDown('c');
    servers.markUp('c');
    assert.deepEqual(servers.order(), ['a', 'b', 'c']);
  });
});
