import type { Context } from 'koa';
import { clearCookie, setCookie } from './cookies.ts';
import { createSecretBox } from './secret-box.ts';

/**
 * A value carried by the browser between two of admit's pages, sealed with
 * AES-GCM under the master secret: the browser holds it but can neither read
 * nor alter it, and it lapses after `lifetimeMs` whatever the cookie says.
 */
export function createSealedCookie<T>(input: {
  masterSecret: string;
  purpose: string;
  name: string;
  path: string;
  lifetimeMs: number;
  isValue: (value: unknown) => value is T;
}) {
  const box = createSecretBox(input.masterSecret, input.purpose);
  return {
    set(ctx: Context, value: T): void {
      const sealed = box.seal(JSON.stringify({ value, until: Date.now() + input.lifetimeMs }));
      setCookie(ctx, input.name, sealed, { path: input.path, maxAge: input.lifetimeMs });
    },
    read(ctx: Context): T | undefined {
      const sealed = ctx.cookies.get(input.name);
      if (!sealed) return undefined;
      try {
        const { value, until } = JSON.parse(box.open(sealed)) as { value?: unknown; until?: unknown };
        return typeof until === 'number' && until > Date.now() && input.isValue(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    clear(ctx: Context): void {
      clearCookie(ctx, input.name, { path: input.path });
    },
  };
}

export type SealedCookie<T> = ReturnType<typeof createSealedCookie<T>>;
