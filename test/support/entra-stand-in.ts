import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A local stand-in for Microsoft Entra ID, for browser tests: its own
 * process on 127.0.0.1, built on oidc-provider, one provider per tenant
 * mounted at /<tid> like login.microsoftonline.com. Its ID tokens are
 * Entra-shaped: issuer https://login.microsoftonline.com/<tid>/v2.0 (the
 * connector's `metadataUrl` maps it to loopback), claims tid, oid, email,
 * preferred_username, name, groups, amr. Its sign-in page asks for "Email,
 * phone, or Skype" and "Password" and answers with Microsoft's messages.
 */
export interface StandInUser {
  tid: string;
  oid: string;
  email: string;
  password: string;
  name: string;
  groups?: string[];
  /** What the ID token's amr says, e.g. ['pwd', 'mfa']. */
  amr?: string[];
}

export interface StandInTenant {
  tid: string;
  clients: { clientId: string; clientSecret: string; redirectUris: string[] }[];
}

export interface StandInOptions {
  tenants: StandInTenant[];
  users: StandInUser[];
  /** A port picked beforehand (freePort), when admit must be configured before the stand-in starts. */
  port?: number;
}

export interface RunningStandIn {
  origin: string;
  /** The OpenID configuration URL of a tenant, for the connector's `metadataUrl`. */
  metadataUrl(tid: string): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () =>
  running.forEach((child) => {
    child.kill('SIGKILL');
  }),
);

/** Starts the stand-in in a child process and resolves once it listens. */
export async function startEntraStandIn(options: StandInOptions): Promise<RunningStandIn> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ENTRA_STAND_IN: JSON.stringify(options) },
  });
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Entra stand-in did not start:\n${output}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Entra stand-in exited with ${code}:\n${output}`));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    metadataUrl: (tid) => `${origin}/${tid}/v2.0/.well-known/openid-configuration`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// Run as a script (the child process): serve until SIGTERM.
if (import.meta.main) {
  const options = JSON.parse(process.env.ENTRA_STAND_IN ?? '{}') as StandInOptions;
  const port = await serveStandIn(options);
  process.stdout.write(`listening ${port}\n`);
}

/** The stand-in itself: one oidc-provider per tenant at /<tid>, Entra's paths, a Microsoft-like sign-in page. */
async function serveStandIn(options: StandInOptions): Promise<number> {
  const { default: Koa } = await import('koa');
  const { default: mount } = await import('koa-mount');
  const { bodyParser } = await import('@koa/bodyparser');
  const { default: Provider } = await import('oidc-provider');
  const { exportJWK, generateKeyPair } = await import('jose');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'stand-in-key', use: 'sig', alg: 'RS256' };
  const byOid = new Map(options.users.map((user) => [user.oid, user]));
  // Mounted providers set cookies through this app's context and read them through their own: same keys for both.
  const app = new Koa({ keys: ['stand-in-cookie-key'] });
  const providers = new Map<string, InstanceType<typeof Provider>>();

  for (const tenant of options.tenants) {
    const provider = new Provider(`https://login.microsoftonline.com/${tenant.tid}/v2.0`, {
      clients: tenant.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys: [signingKey] },
      routes: {
        authorization: '/oauth2/v2.0/authorize',
        token: '/oauth2/v2.0/token',
        jwks: '/discovery/v2.0/keys',
        userinfo: '/oidc/userinfo',
        end_session: '/oauth2/v2.0/logout',
      },
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      claims: { openid: ['sub', 'tid', 'oid', 'groups'], profile: ['name', 'preferred_username'], email: ['email'] },
      // Entra puts the profile into the ID token itself.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/${tenant.tid}/interaction/${interaction.uid}` },
      // Its own cookie names: the stand-in shares 127.0.0.1 (cookies ignore ports) with admit, whose provider uses the defaults.
      cookies: { names: { session: 'ms_session', interaction: 'ms_interaction', resume: 'ms_resume' }, keys: ['stand-in-cookie-key'] },
      async findAccount(_ctx, id) {
        const user = byOid.get(id);
        if (!user || user.tid !== tenant.tid) return undefined;
        return {
          accountId: id,
          claims: async () => ({
            sub: id,
            tid: user.tid,
            oid: user.oid,
            email: user.email,
            preferred_username: user.email,
            name: user.name,
            groups: user.groups ?? [],
          }),
        };
      },
      // Admin consent already granted: no consent page.
      async loadExistingGrant(ctx) {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
        grant.addOIDCScope('openid profile email');
        await grant.save();
        return grant;
      },
    });
    providers.set(tenant.tid, provider);
  }

  app.use(async (ctx, next) => {
    const [, tid, ...rest] = ctx.path.split('/');
    // Entra's discovery path; oidc-provider serves it without the v2.0 segment.
    if (rest.join('/') === 'v2.0/.well-known/openid-configuration') ctx.path = `/${tid}/.well-known/openid-configuration`;
    // Entra shows an account picker for prompt=select_account; the stand-in always shows its sign-in page.
    if (ctx.query.prompt === 'select_account') {
      const query = { ...ctx.query };
      delete query.prompt;
      ctx.query = query;
    }
    await next();
  });
  app.use(bodyParser({ enableTypes: ['form'] }));
  app.use(async (ctx, next) => {
    const match = /^\/([^/]+)\/interaction\/([^/]+)$/.exec(ctx.path);
    const provider = match ? providers.get(match[1]!) : undefined;
    if (!provider) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res).catch((error: Error & { error_description?: string }) => {
      process.stderr.write(`stand-in interaction: ${error.message} ${error.error_description ?? ''}\n`);
      throw error;
    });
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
    if (ctx.method === 'GET') return page(ctx, hint);
    const { login = '', password = '' } = ctx.request.body as Record<string, string>;
    const user = options.users.find((candidate) => candidate.tid === match![1] && candidate.email.toLowerCase() === login.trim().toLowerCase());
    if (!user) return page(ctx, login, "We couldn't find an account with that username.");
    if (user.password !== password) return page(ctx, login, 'Your account or password is incorrect.');
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.oid, amr: user.amr ?? ['pwd'] } }, { mergeWithLastSubmission: false });
  });
  for (const [tid, provider] of providers) app.use(mount(`/${tid}`, provider));

  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  return (server.address() as { port: number }).port;
}

function page(ctx: import('koa').Context, login: string, error?: string): void {
  const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title>
<style>body{font-family:"Segoe UI",sans-serif;background:#f2f2f2;margin:0}main{background:#fff;max-width:380px;margin:60px auto;padding:40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{font-weight:600;color:#5e5e5e}h1{font-size:24px;font-weight:600}label{display:block;margin:12px 0 4px}input{width:100%;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px}
.error{color:#e81123}.actions{text-align:right;margin-top:24px}button{background:#0067b8;color:#fff;border:0;padding:8px 32px}</style></head>
<body><main><div class="logo">Microsoft (stand-in)</div><h1>Sign in</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post"><label for="login">Email, phone, or Skype</label><input id="login" name="login" value="${escapeHtml(login)}" autofocus>
<label for="password">Password</label><input id="password" name="password" type="password"><div class="actions"><button type="submit">Sign in</button></div></form></main></body></html>`;
}
