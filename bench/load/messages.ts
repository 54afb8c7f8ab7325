import type { ClosedModelResult } from './closed-model.ts';
import type { OpenModelResult } from './open-model.ts';
import type { OperationId, SignInUsers, Target } from './operations.ts';

/**
 * What the harness and the load generator (a separate process) say to each
 * other over IPC. A run is prepared (pools filled, untimed), then the harness
 * reads the server's CPU counters and says "go", and reads them again at "done".
 */
export type RunSpec =
  | { op: OperationId; target: Target; mode: 'closed'; connections: number; seconds?: number; amount?: number }
  | { op: OperationId; target: Target; mode: 'open'; rate: number; seconds: number };

export type ToGenerator =
  | { type: 'configure'; users: SignInUsers }
  | { type: 'prepare'; id: number; spec: RunSpec }
  | { type: 'go'; id: number }
  | { type: 'exit' };

export type RunResult = ({ mode: 'closed' } & ClosedModelResult) | ({ mode: 'open' } & OpenModelResult);

export type FromGenerator =
  | { type: 'prepared'; id: number; poolSize: number; prepareMs: number }
  | { type: 'done'; id: number; result: RunResult }
  | { type: 'failed'; id: number; message: string };
