import type { MfaService } from '../../services/mfa/mfa-service.ts';
import type { PortalDeps } from '../deps.ts';
import type { RecoveryFlows } from './flow.ts';

export type RecoveryDeps = PortalDeps & { mfa: MfaService; flows: RecoveryFlows };
