import type { PortalDeps } from '../deps.ts';
import type { RecoveryFlows } from './flow.ts';

export type RecoveryDeps = PortalDeps & { flows: RecoveryFlows };
