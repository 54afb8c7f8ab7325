import { OPERATIONS, type OperationId } from '../load/operations.ts';

/** `npm run bench -- [options]`. */
export interface BenchArgs {
  quick: boolean;
  only?: OperationId[];
  /** Unset: Redis and SQLite (full), Redis only (quick). */
  stores?: ('redis' | 'sqlite')[];
  memory: boolean;
  /** Also measure the argon2id sign-in at several UV_THREADPOOL_SIZE values. */
  threadpool: boolean;
  /** Start the servers with --cpu-prof; profiles land in this directory. */
  cpuProfDir?: string;
  /** admit's log level (default info, its production default: one line per request). */
  admitLogLevel: string;
  /** Where to write the JSON (default bench/results/<date>.json). */
  out?: string;
  help: boolean;
  /** Also install (Debian packages), start and measure LemonLDAP::NG and Glewlwyd in the same pairs (bench/peers/). */
  peers: boolean;
  /** The scale benchmark instead (bench/scale/): 100k (with --quick) or 1m accounts. */
  scale?: '100k' | '1m';
  /** Scale: keep the seeded store in this directory, or reuse it when it is already there (--scale-data=dir). */
  scaleData?: string;
  /** Scale: seed this many audit entries instead of the mode's (--scale-audit=n). */
  scaleAudit?: number;
  /** Scale: how many rounds of the same searches and exports (default 2), each with admit's heap after a forced GC. */
  scaleRounds?: number;
  /** Scale: admit's Node flags instead of the default ones (bench/scale/run.ts ADMIT_NODE_FLAGS); empty: none. */
  scaleNodeFlags?: string[];
}

export const USAGE = `npm run bench -- [--quick] [--only=op,op] [--stores=redis,sqlite] [--no-memory] [--threadpool] [--cpu-prof=dir] [--admit-log-level=info] [--out=file.json] [--peers]
       npm run bench -- --scale[=100k|1m] [--quick] [--scale-data=dir] [--scale-audit=n] [--scale-rounds=n] [--scale-node-flags="…"]   (scale: --quick is 100k, default 1m)
  operations: ${OPERATIONS.join(', ')}`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, memory: true, threadpool: false, admitLogLevel: 'info', help: false, peers: false };
  for (const arg of argv) {
    const [name, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (name) {
      case '--quick':
        args.quick = true;
        break;
      case '--only': {
        const ops = (value ?? '').split(',').filter(Boolean);
        const unknown = ops.filter((op) => !(OPERATIONS as readonly string[]).includes(op));
        if (ops.length === 0 || unknown.length > 0)
          throw new Error(`--only: unknown operation ${unknown.join(', ') || '(none given)'}; known: ${OPERATIONS.join(', ')}`);
        args.only = ops as OperationId[];
        break;
      }
      case '--stores': {
        const stores = (value ?? '').split(',').filter(Boolean);
        if (stores.length === 0 || stores.some((store) => store !== 'redis' && store !== 'sqlite')) throw new Error('--stores: use redis, sqlite or both');
        args.stores = stores as BenchArgs['stores'];
        break;
      }
      case '--no-memory':
        args.memory = false;
        break;
      case '--threadpool':
        args.threadpool = true;
        break;
      case '--cpu-prof':
        args.cpuProfDir = value || 'bench/results/profiles';
        break;
      case '--admit-log-level':
        if (!value || !['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value))
          throw new Error('--admit-log-level: fatal, error, warn, info, debug, trace or silent');
        args.admitLogLevel = value;
        break;
      case '--out':
        if (!value) throw new Error('--out needs a file name');
        args.out = value;
        break;
      case '--scale':
        if (value !== undefined && value !== '100k' && value !== '1m') throw new Error('--scale: 100k or 1m');
        args.scale = (value as BenchArgs['scale']) ?? '1m';
        break;
      case '--scale-data':
        if (!value) throw new Error('--scale-data needs a directory');
        args.scaleData = value;
        break;
      case '--scale-audit':
        if (!value || !/^[1-9]\d*$/.test(value)) throw new Error('--scale-audit: a whole number, 1 or more');
        args.scaleAudit = Number(value);
        break;
      case '--scale-rounds':
        if (!value || !/^[1-9]\d*$/.test(value)) throw new Error('--scale-rounds: a whole number, 1 or more');
        args.scaleRounds = Number(value);
        break;
      case '--scale-node-flags':
        args.scaleNodeFlags = (value ?? '').split(/\s+/).filter(Boolean);
        break;
      case '--peers':
        args.peers = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  // --scale --quick is the 100k variant unless a size was given.
  if (args.scale && args.quick && !argv.some((arg) => arg.startsWith('--scale='))) args.scale = '100k';
  return args;
}
