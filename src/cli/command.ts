import type { Config } from '../config/schema.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { Store } from '../store/port.ts';

/** A refusal the user can act on; printed without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}

export interface CommandContext {
  config: Config;
  store: Store;
  masterSecret: string;
  /** The server's audit trail (cli/context.ts): what a command changes is audited as the console's changes are. */
  audit: AuditLog;
}

export interface Command {
  summary: string;
  help: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  run(values: Record<string, string | boolean | undefined>, context: CommandContext): Promise<string>;
}

/** The value of a required string option, or a CliError naming it. */
export function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${name} is required (see --help)`);
  return value;
}

export function optional(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
