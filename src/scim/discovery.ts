import { MAX_FILTER_LENGTH } from './filter.ts';
import { GROUP_SCHEMA } from './groups.ts';
import { MAX_COUNT } from './user-query.ts';
import { USER_SCHEMA } from './user-resource.ts';

/**
 * The discovery documents (RFC 7644 §4, RFC 7643 §5-7): what this endpoint
 * does, its resource types and the attributes admit keeps. They say only
 * what admit serves (no bulk, no sorting, no password change; filters from
 * the indexes).
 */
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const MAX_PAYLOAD_BYTES = 512 * 1024;

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SPC],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: `The site's provisioning token, made in the admin console (Provisioning). Filters up to ${MAX_FILTER_LENGTH} characters.`,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

const attribute = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const userSchema = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'An account of the site',
  attributes: [
    attribute('userName', { required: true, uniqueness: 'server', description: "The site's user name (compared by its canonical key)" }),
    attribute('externalId', { caseExact: true, description: "The directory's id of the user (Entra: the object id)" }),
    attribute('displayName'),
    {
      ...attribute('name', { type: 'complex' }),
      subAttributes: [attribute('formatted'), attribute('givenName'), attribute('familyName')],
    },
    attribute('active', { type: 'boolean', description: 'false disables the account and ends its sessions' }),
    {
      ...attribute('emails', { type: 'complex', multiValued: true, description: 'The primary (else work, else first) address is kept' }),
      subAttributes: [attribute('value'), attribute('type'), attribute('primary', { type: 'boolean' })],
    },
  ],
};

const groupSchema = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: "A group; its members get its display name in their account's groups",
  attributes: [
    attribute('displayName', { required: true, uniqueness: 'server' }),
    attribute('externalId', { caseExact: true }),
    {
      ...attribute('members', { type: 'complex', multiValued: true }),
      subAttributes: [attribute('value', { caseExact: true, mutability: 'immutable' }), attribute('display', { mutability: 'readOnly' })],
    },
  ],
};

export const schemas = [userSchema, groupSchema];

export function schemaDocument(schema: (typeof schemas)[number], base: string) {
  return { schemas: [SCHEMA], ...schema, meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` } };
}

export const resourceTypes = [
  { id: 'User', name: 'User', endpoint: '/Users', schema: USER_SCHEMA },
  { id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA },
];

export function resourceTypeDocument(type: (typeof resourceTypes)[number], base: string) {
  return { schemas: [RESOURCE_TYPE], ...type, description: type.name, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.id}` } };
}

export function listOf(resources: unknown[], startIndex = 1, totalResults = resources.length) {
  return { schemas: [LIST], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
