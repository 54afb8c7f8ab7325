import { z } from 'zod';
import type { DirectorySchema } from '../kit/connector.ts';
import { smsSettingsSchema } from '../kit/mfa-settings.ts';
import { apiSchema } from './apis.ts';
import { clientSchema } from './clients.ts';
import { keysSchema } from './keys.ts';
import { outboxSettingsSchema } from './outbox.ts';
import { siteSchemaFor } from './sites.ts';

const serverSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).default(3000),
    /** Public URL of admit; the OIDC issuer and the base of every emailed link. */
    issuer: z.url().optional(),
    /**
     * Trust X-Forwarded-* from a TLS-terminating proxy in front of admit. On
     * its own it means one proxy (`trustedProxyHops: 1`).
     */
    trustProxy: z.boolean().optional(),
    /**
     * How many proxies in front of admit append to X-Forwarded-For (Koa's
     * `maxIpsCount`). The client IP is the entry that many places from the
     * right: the entries to its left were written by the client and are
     * ignored. Setting it (≥ 1) trusts the proxies; 0 trusts none.
     */
    trustedProxyHops: z.number().int().min(0).max(10).optional(),
    /**
     * Let admit's outgoing requests (back-channel logout, client jwks_uri) go to
     * literal loopback hosts (localhost, 127.0.0.0/8, ::1), which oidc-provider's
     * SSRF guard otherwise refuses. For development and tests only.
     */
    allowLoopbackRequests: z.boolean().default(false),
    /** Seconds to finish in-flight requests after SIGTERM before closing anyway. */
    shutdownGraceSeconds: z.number().int().min(0).max(300).default(10),
  })
  .strict()
  .superRefine((server, ctx) => {
    if (server.trustProxy === false && (server.trustedProxyHops ?? 0) > 0) {
      ctx.addIssue({ code: 'custom', path: ['trustedProxyHops'], message: 'proxy hops are trusted only with server.trustProxy true (or left out)' });
    }
    if (server.trustProxy === true && server.trustedProxyHops === 0) {
      ctx.addIssue({ code: 'custom', path: ['trustedProxyHops'], message: 'use at least 1 with server.trustProxy true' });
    }
  })
  .transform(({ trustProxy, trustedProxyHops, ...server }) => {
    const hops = trustedProxyHops ?? (trustProxy ? 1 : 0);
    return { ...server, trustProxy: hops > 0, trustedProxyHops: hops };
  });

const redisSchema = z
  .object({
    keyPrefix: z.string().default('admit:'),
    commandTimeoutMs: z.number().int().min(50).max(60_000).default(2000),
    connectTimeoutMs: z.number().int().min(50).max(60_000).default(5000),
    /** Sentinel: list of sentinels and the monitored master's name (the URL's host is then ignored). */
    sentinels: z.array(z.object({ host: z.string(), port: z.number().int() })).optional(),
    sentinelName: z.string().optional(),
    /** Cluster: seed nodes (the URL then only supplies the password and TLS choice). */
    cluster: z.array(z.object({ host: z.string(), port: z.number().int() })).optional(),
  })
  .strict();

const storeSchema = z
  .object({
    /** `sqlite:<path>` (embedded, the default) or a `redis://` / `rediss://` URL. */
    url: z.string().default('sqlite:./data/admit.db'),
    redis: redisSchema.default(redisSchema.parse({})),
  })
  .strict();

const mailSchema = z
  .object({
    /** The From address of every email admit sends. */
    from: z.string().min(3).default('admit <no-reply@localhost>'),
    /** `console` prints messages to the log (the embedded default); or an `smtp://` / `smtps://` URL. */
    transport: z.string().default('console'),
    /** Seconds to wait for the SMTP server at each stage before giving up. */
    timeoutSeconds: z.number().int().min(1).max(120).default(10),
  })
  .strict();

const tokensSchema = z
  .object({
    accessTokenSeconds: z.number().int().min(60).max(86_400).default(600),
    idTokenSeconds: z.number().int().min(60).max(86_400).default(3600),
    refreshTokenSeconds: z
      .number()
      .int()
      .min(300)
      .max(31_536_000)
      .default(14 * 86_400),
    sessionSeconds: z
      .number()
      .int()
      .min(300)
      .max(31_536_000)
      .default(14 * 86_400),
    interactionSeconds: z.number().int().min(60).max(86_400).default(3600),
  })
  .strict();

const adminSchema = z
  .object({
    /** The admin console's sign-in lasts at most this long… */
    sessionMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(480),
    /** …and ends after this long without a request. */
    idleMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
  })
  .strict();

const managementApiSchema = z
  .object({
    /** Requests per API client per minute (a sliding window): more is answered 429 with Retry-After. */
    requestsPerMinute: z.number().int().min(1).max(100_000).default(600),
    /** How long an Idempotency-Key's answer is kept: a retry within it gets the same answer. */
    idempotencyHours: z.number().int().min(1).max(168).default(24),
  })
  .strict();

/**
 * The whole config. `directories` are the directory kinds of this build (the
 * entry hands in its plugins, see src/connectors.ts): each site's `directory`
 * block is validated by its kind's schema.
 */
export function configSchemaFor(directories: readonly DirectorySchema[]) {
  return z
    .object({
      server: serverSchema.default(serverSchema.parse({})),
      store: storeSchema.default(storeSchema.parse({})),
      /**
       * Master secret (≥ 32 characters): encrypts signing keys at rest and signs
       * cookies. Required with Redis (all instances must share it); with SQLite a
       * random one is generated next to the database file on first start.
       */
      secret: z.string().min(32, 'use at least 32 characters').optional(),
      tokens: tokensSchema.default(tokensSchema.parse({})),
      keys: keysSchema.default(keysSchema.parse({})),
      mail: mailSchema.default(mailSchema.parse({})),
      /** Text and voice codes for MFA: the notifier (console, twilio, webhook) and the sending limits. */
      sms: smsSettingsSchema.default(smsSettingsSchema.parse({})),
      /** Every message leaving admit (email, text, call, back-channel logout): retries, lease, retention. */
      outbox: outboxSettingsSchema.default(outboxSettingsSchema.parse({})),
      admin: adminSchema.default(adminSchema.parse({})),
      /** The audit log: each day's events are kept `retentionDays` full days (UTC) after it, then expire by themselves (TTL on both backends). */
      audit: z
        .object({ retentionDays: z.number().int().min(1).max(3650).default(400) })
        .strict()
        .default({ retentionDays: 400 }),
      sites: z.array(siteSchemaFor(directories)).min(1, 'declare at least one site'),
      clients: z.array(clientSchema).default([]),
      /** APIs that clients get access tokens for with the `resource` parameter (RFC 8707). */
      apis: z.array(apiSchema).default([]),
      /** The management API under /api/v1 (README, "Management API"); its clients are `clients` entries with `api_sites`. */
      managementApi: managementApiSchema.default(managementApiSchema.parse({})),
      /**
       * For trying admit out: on start, create this local-directory user (with a
       * random password, printed once) if it does not exist yet. Leave out in production.
       */
      demo: z
        .object({ site: z.string(), username: z.string().min(1).max(256) })
        .strict()
        .optional(),
      logging: z
        .object({
          level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        })
        .strict()
        .default({ level: 'info' }),
    })
    .strict()
    .superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.sites.forEach((site, index) => {
        if (seen.has(site.id)) ctx.addIssue({ code: 'custom', path: ['sites', index, 'id'], message: `duplicate site id ${site.id}` });
        seen.add(site.id);
      });
      const clientIds = new Set<string>();
      config.clients.forEach((client, index) => {
        if (clientIds.has(client.client_id)) {
          ctx.addIssue({ code: 'custom', path: ['clients', index, 'client_id'], message: `duplicate client_id ${client.client_id}` });
        }
        clientIds.add(client.client_id);
      });
    });
}

/** `environment` is NODE_ENV as loadConfig read it (config/environment.ts); left out (a test's config): not production. */
export type Config = z.infer<ReturnType<typeof configSchemaFor>> & { server: { issuer: string }; environment?: import('./environment.ts').Environment };
