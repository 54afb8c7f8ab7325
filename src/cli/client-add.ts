import { randomBytes } from 'node:crypto';
import { registeredClientsKey } from '../admin/client-registry.ts';
import { clientSchema } from '../config/clients.ts';
import { createOidcAdapterFactory } from '../store/oidc-adapter.ts';
import { CliError, type Command, optional, required } from './command.ts';

export const clientAdd: Command = {
  summary: 'register a relying application (OIDC client)',
  help: `Usage: admit client add --id <id> --redirect-uri <uri> [--secret <s> | --public] [--first-party] [--name <n>]
                        [--pkce-optional] [--id-token-alg RS256|ES256] [--pairwise]

Registers a relying application in the store (clients in the config file are
registered by the config instead). Without --secret or --public a secret is
generated and printed once.

Options:
  --id             the client_id
  --redirect-uri   where admit returns the user after sign-in (repeatable as a comma-separated list)
  --secret         the client secret (at least 32 characters), for a confidential client
  --public         a public client (no secret; it always uses PKCE S256)
  --first-party    skip the consent page for this application
  --name           the name users see on the sign-in and consent pages
  --pkce-optional  let this confidential client sign in without PKCE, for a legacy
                   relying party that cannot send it (PKCE is required by default)
  --id-token-alg   how its ID tokens are signed: RS256 (default) or ES256
  --pairwise       a different sub for this application's sector (its redirect URIs' host)`,
  options: {
    id: { type: 'string' },
    'redirect-uri': { type: 'string' },
    secret: { type: 'string' },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    name: { type: 'string' },
    'pkce-optional': { type: 'boolean' },
    'id-token-alg': { type: 'string' },
    pairwise: { type: 'boolean' },
  },
  async run(values, { config, store }) {
    const id = required(values, 'id');
    const redirectUris = required(values, 'redirect-uri')
      .split(',')
      .map((uri) => uri.trim());
    const isPublic = values.public === true;
    const givenSecret = optional(values, 'secret');
    if (isPublic && givenSecret !== undefined) throw new CliError('--secret and --public exclude each other');
    if (isPublic && values['pkce-optional'] === true) throw new CliError('--pkce-optional: a public client always uses PKCE');
    const secret = isPublic ? undefined : (givenSecret ?? randomBytes(32).toString('base64url'));
    const parsed = clientSchema.safeParse({
      client_id: id,
      client_name: optional(values, 'name'),
      client_secret: secret,
      token_endpoint_auth_method: isPublic ? 'none' : 'client_secret_basic',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      first_party: values['first-party'] === true,
      pkce_required: values['pkce-optional'] === true ? false : undefined,
      id_token_signed_response_alg: optional(values, 'id-token-alg'),
      subject_type: values.pairwise === true ? 'pairwise' : undefined,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const option =
        {
          client_secret: '--secret',
          redirect_uris: '--redirect-uri',
          client_id: '--id',
          id_token_signed_response_alg: '--id-token-alg',
          pkce_required: '--pkce-optional',
        }[String(issue?.path[0])] ?? String(issue?.path[0]);
      throw new CliError(`${option}: ${issue?.message}`);
    }
    if (config.clients.some((client) => client.client_id === id)) throw new CliError(`--id: "${id}" is already declared in the config file`);
    const adapter = new (createOidcAdapterFactory(store))('Client');
    if (await adapter.find(id)) throw new CliError(`--id: a client "${id}" is already registered`);
    await adapter.upsert(id, parsed.data as never, undefined as never);
    // Listed in the admin console's "Relying applications".
    await store.addToSet(registeredClientsKey, id);
    return givenSecret === undefined && secret !== undefined ? `registered client "${id}"\nclient secret (shown once): ${secret}` : `registered client "${id}"`;
  },
};
