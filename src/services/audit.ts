// The audit log moved to ./audit/ (persistent, append-only); this keeps older imports working.
export { createAuditLog, type AuditLog, type AuditEvent, type StoredAuditEvent } from './audit/audit-log.ts';
