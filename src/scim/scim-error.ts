import type { Context } from 'koa';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** RFC 7644 §3.12's scimType values admit answers with. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers';

/**
 * A refusal as SCIM says it (RFC 7644 §3.12): the HTTP status, a scimType
 * where the RFC has one for the case, and a sentence for the directory's
 * provisioning log. Thrown anywhere below the SCIM router; the router's
 * error middleware answers it.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly scimType?: ScimType;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.detail = detail;
    this.scimType = scimType;
  }
}

export function sendScimError(ctx: Context, error: ScimError): void {
  ctx.status = error.status;
  ctx.type = SCIM_CONTENT_TYPE;
  ctx.body = { schemas: [ERROR_SCHEMA], status: String(error.status), ...(error.scimType ? { scimType: error.scimType } : {}), detail: error.detail };
}
