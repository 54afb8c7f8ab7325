/**
 * Compares two V8 heap snapshots (bench/scale/inspector.ts takeHeapSnapshot;
 * the scale run writes one per round when BENCH_HEAP_SNAPSHOTS=<dir>): count
 * and self size of the objects by constructor (or node type), and what grew.
 *   node bench/scale/heap-diff.ts before.heapsnapshot after.heapsnapshot [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

/** Objects grouped by "constructor" (objects, closures) or "(type)" (strings, code, arrays…). */
export function groupSnapshot(file: string): { groups: Groups; totalBytes: number } {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const groups: Groups = new Map();
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const name = snapshot.strings[snapshot.nodes[i + nameAt]!]!;
    const key = type === 'object' || type === 'closure' ? `${name}${type === 'closure' ? '()' : ''}` : `(${type})`;
    const size = snapshot.nodes[i + sizeAt]!;
    totalBytes += size;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += size;
    groups.set(key, group);
  }
  return { groups, totalBytes };
}

if (import.meta.main) {
  const [beforeFile, afterFile, top = '25'] = process.argv.slice(2);
  if (!beforeFile || !afterFile) throw new Error('usage: node bench/scale/heap-diff.ts before.heapsnapshot after.heapsnapshot [top]');
  const before = groupSnapshot(beforeFile);
  const after = groupSnapshot(afterFile);
  const rows = [...new Set([...before.groups.keys(), ...after.groups.keys()])].map((key) => {
    const a = before.groups.get(key) ?? { count: 0, bytes: 0 };
    const b = after.groups.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: b.count - a.count, bytes: b.bytes - a.bytes, countAfter: b.count, bytesAfter: b.bytes };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  process.stdout.write(`total self size ${kb(before.totalBytes)} → ${kb(after.totalBytes)} (${kb(after.totalBytes - before.totalBytes)})\n`);
  process.stdout.write('| constructor / type | Δ count | Δ self size | count after | self size after |\n|---|---|---|---|---|\n');
  for (const row of rows.slice(0, Number(top)))
    process.stdout.write(`| ${row.key} | ${row.count} | ${kb(row.bytes)} | ${row.countAfter} | ${kb(row.bytesAfter)} |\n`);
}
