import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Store } from '../store/port.ts';
import { createSigningKeys, jwksCacheControl, type KeyView, type StoredKey, viewAt } from './signing-keys.ts';

// oidc-provider takes its keys at construction and offers no way to change them on a running
// Provider. Its own key set-up (validation, the algorithms each key serves, the published JWKS)
// is this function; calling it again on the running Provider is what the constructor does, with
// the new keys. Sessions, interactions, grants, clients and listeners stay as they are. The
// version is pinned in package.json; test/multi-instance checks signing and publishing after a change.
const keystoreModule = 'oidc-provider/lib/helpers/initialize_keystore.js';
const { default: initializeKeystore } = (await import(keystoreModule)) as {
  default: (this: Provider, jwks: { keys: Record<string, unknown>[] }) => void;
};

const PUBLIC_MEMBERS = ['kty', 'use', 'kid', 'alg', 'crv', 'e', 'n', 'x', 'y'] as const;

export interface LiveSigningKeysOptions {
  store: Store;
  masterSecret: string;
  pollSeconds: number;
  jwksMaxAgeSeconds: number;
  logger: Logger;
}

/**
 * A running instance's signing keys, kept in step with the store without a
 * restart: every `pollSeconds` it reads the key set's version (one GET) and,
 * when it changed, the set; at every poll it also works out which keys the
 * clock has moved on (a staged key starts signing, a retired one drops out).
 * A change re-keys the attached provider at once: the JWKS shows the new set
 * and new tokens are signed by each algorithm's active key. A poll the store
 * cannot answer keeps the last set, and the clock still moves it on.
 */
export async function startLiveSigningKeys(options: LiveSigningKeysOptions) {
  const keys = createSigningKeys(options);
  let stored: StoredKey[] = await keys.stored();
  let version = await keys.version();
  let view: KeyView = viewAt(stored, Date.now());
  let generation = 0;
  let provider: Provider | undefined;
  const listeners = new Set<(view: KeyView) => void>();

  const same = (a: KeyView, b: KeyView) => a.published.join() === b.published.join() && a.signing.join() === b.signing.join();

  function apply(next: KeyView): void {
    if (same(next, view)) return;
    if (provider) initializeKeystore.call(provider, { keys: next.keys });
    view = next;
    generation += 1;
    options.logger.info({ signing: next.signing, published: next.published }, 'signing keys changed');
    for (const listener of listeners) listener(next);
  }

  /** Reads the store when the version moved, then applies what the clock says now. */
  async function refresh(): Promise<void> {
    try {
      const latest = await keys.version();
      if (latest !== version) {
        stored = await keys.stored(stored);
        version = latest;
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'could not read the signing keys from the store; keeping the last ones');
    }
    apply(viewAt(stored, Date.now()));
  }

  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= refresh().finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.pollSeconds * 1000);
  timer.unref();

  return {
    /** The private keys in oidc-provider's order, for constructing the Provider. */
    jwks: () => view.keys,
    /** The published key set (public members only): what `/jwks` answers. */
    publicJwks: () => ({
      keys: view.keys.map((jwk) => Object.fromEntries(PUBLIC_MEMBERS.filter((name) => jwk[name] !== undefined).map((name) => [name, jwk[name]]))),
    }),
    /** Grows by one with every change of the published or signing keys: a cache of the JWKS bytes can key on it. */
    generation: () => generation,
    view: () => view,
    /** Called after every change (the new view is already in force). */
    onChange(listener: (view: KeyView) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * Re-keys this provider on every change from now on, and gives its `/jwks`
     * the advertised Cache-Control the rotation's propagation delay is measured against.
     */
    attach(target: Provider) {
      provider = target;
      initializeKeystore.call(target, { keys: view.keys });
      const cacheControl = jwksCacheControl(options.jwksMaxAgeSeconds);
      target.use(async (ctx, next) => {
        await next();
        if (ctx.oidc?.route === 'jwks' && ctx.status === 200) ctx.set('cache-control', cacheControl);
      });
    },
    /** Polls now (tests, and the CLI's own instance do not wait for the timer). */
    refresh: () => {
      tick();
      return running ?? Promise.resolve();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export type LiveSigningKeys = Awaited<ReturnType<typeof startLiveSigningKeys>>;
