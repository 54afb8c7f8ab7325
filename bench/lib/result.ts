import { z } from 'zod';

/**
 * The shape of bench/results/<date>.json. Numbers are plain (NaN is written
 * as null by JSON.stringify, hence the nullable fields). The harness
 * validates its own output against this before writing it.
 */
const num = z.number().nullable();
export const spreadSchema = z.object({ median: num, min: num, max: num });
export const latencySchema = z.object({ p50: num, p90: num, p99: num, samples: z.number().int() });

const closedRunSchema = z.object({
  pair: z.number().int(),
  rate: z.number(),
  completed: z.number().int(),
  failed: z.number().int(),
  cpuUsPerOp: num,
  storeCpuUsPerOp: num,
  storeCommandsPerOp: num,
  durationMs: z.number(),
});

export const serverSideSchema = z.object({
  runs: z.array(closedRunSchema),
  rate: spreadSchema,
  cpuUsPerOp: spreadSchema,
  storeCpuUsPerOp: spreadSchema,
  /** Redis commands per operation (the store work admit adds is visible here, free of CPU noise). */
  storeCommandsPerOp: spreadSchema,
  failed: z.number().int(),
  firstFailure: z.string().optional(),
});

const latencySideSchema = z.union([
  z.object({
    status: z.literal('measured'),
    latency: latencySchema,
    achievedRate: z.number(),
    dropped: z.number().int(),
    failed: z.number().int(),
    /** The worst run's p99 lateness of the generator itself (see bench/load/open-model.ts). */
    generatorLagP99Ms: z.number(),
  }),
  z.object({ status: z.literal('over capacity'), capacity: z.number() }),
  z.object({ status: z.literal('not supported') }),
]);

export const latencyPointSchema = z.object({
  /** Fraction of `of`'s saturated rate, e.g. 0.5 of the baseline's. */
  fraction: z.number(),
  of: z.enum(['baseline', 'admit']),
  rate: z.number(),
  admit: latencySideSchema.optional(),
  baseline: latencySideSchema.optional(),
});

export const targetSchema = z.object({ text: z.string(), met: z.boolean().nullable(), detail: z.string() });

/** What else the machine did during one pair: 1-minute load average around it, steal and busy share of all cores (/proc/stat). */
export const pairConditionsSchema = z.object({
  pair: z.number().int(),
  loadAverageAtStart: z.number(),
  loadAverageAtEnd: z.number(),
  stealPercent: num,
  busyPercent: num,
});

/** How many pairs ran, and whether each ratio's middle half ended within ± `within` of its median. */
export const settlingSchema = z.object({ pairs: z.number().int(), within: z.number(), cpu: z.boolean(), throughput: z.boolean() });

/** A peer's row for one operation: measured in the same pairs, or why it cannot do it. */
export const peerResultSchema = z.object({
  kind: z.enum(['lemonldap', 'glewlwyd']),
  label: z.string(),
  side: serverSideSchema.nullable(),
  unsupported: z.string().optional(),
});

export const operationResultSchema = z.object({
  op: z.string(),
  label: z.string(),
  store: z.enum(['redis', 'sqlite']),
  unit: z.enum(['requests', 'sign-ins']),
  notes: z.array(z.string()),
  admit: serverSideSchema.nullable(),
  baseline: serverSideSchema,
  /** admit rate / baseline rate, per back-to-back pair. */
  ratio: spreadSchema.nullable(),
  /** baseline CPU per op / admit CPU per op, per pair (≥ 1: admit costs no more). */
  cpuRatio: spreadSchema.nullable(),
  latency: z.array(latencyPointSchema),
  conditions: z.array(pairConditionsSchema).optional(),
  settling: settlingSchema.optional(),
  peers: z.array(peerResultSchema).optional(),
  target: targetSchema.optional(),
});

export const memoryResultSchema = z.object({
  sessions: z.number().int(),
  comprises: z.array(z.object({ kind: z.string(), keys: z.number().int(), bytes: z.number(), ttlSeconds: num, counted: z.boolean() })),
  redisBytesPerSession: z.number(),
  redisBytesPerSessionMeasuredOverHttp: num,
  heapBytesPerSession: num,
  httpSignIns: z.number().int(),
  target: targetSchema,
});

export const machineSchema = z.object({
  nproc: z.number().int(),
  cpuModel: z.string(),
  node: z.string(),
  os: z.string(),
  memoryGiB: z.number(),
  loadAverageAtStart: z.array(z.number()),
  /** Other work on the machine during the run shows here (1, 5, 15-minute averages). */
  loadAverageAtEnd: z.array(z.number()),
  uvThreadpoolSize: z.string(),
});

export const benchResultSchema = z.object({
  schema: z.literal('admit-bench/1'),
  mode: z.enum(['full', 'quick']),
  startedAt: z.string(),
  durationSeconds: z.number(),
  machine: machineSchema,
  settings: z.record(z.string(), z.unknown()),
  operations: z.array(operationResultSchema),
  memory: memoryResultSchema.nullable(),
  /** Peers' memory: VmRSS of all their processes, idle and after the sign-ins (`--peers`). */
  peerMemory: z
    .array(z.object({ kind: z.string(), label: z.string(), idleMiB: num, afterSignInsMiB: num, signIns: z.number().int(), note: z.string().optional() }))
    .optional(),
  threadpool: z.array(z.object({ size: z.number().int(), rate: z.number(), latency: latencySchema.nullable() })).nullable(),
  notes: z.array(z.string()),
});

export type Spread = z.infer<typeof spreadSchema>;
export type ServerSide = z.infer<typeof serverSideSchema>;
export type LatencyPoint = z.infer<typeof latencyPointSchema>;
export type OperationResult = z.infer<typeof operationResultSchema>;
export type MemoryResult = z.infer<typeof memoryResultSchema>;
export type Machine = z.infer<typeof machineSchema>;
export type BenchResult = z.infer<typeof benchResultSchema>;
export type Target = z.infer<typeof targetSchema>;
export type PairConditions = z.infer<typeof pairConditionsSchema>;
export type PeerResult = z.infer<typeof peerResultSchema>;

/** Round-trips through JSON (NaN → null) and validates; throws naming the bad path. */
export function toResultJson(result: unknown): string {
  const text = JSON.stringify(result, null, 2);
  const parsed = benchResultSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`bench result does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return `${text}\n`;
}
