import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { clearCookie, setCookie } from '../../lib/cookies.ts';
import { type Store, storeKey } from '../../store/port.ts';

export type RecoveryKind = 'reset' | 'unlock';

/**
 * A forgotten-password or unlock request in progress, bound to this browser
 * by an HttpOnly cookie. `accountId` is absent when the user name matches no
 * account: the flow then looks the same but can never be proved.
 */
export interface RecoveryFlow {
  id: string;
  kind: RecoveryKind;
  siteId: string;
  username: string;
  accountId?: string;
  proved: boolean;
  /** The phone a code was last texted or called to, which the code is then checked against. */
  sentTo?: { deviceId: string; channel: 'sms' | 'call' };
  /** The sign-in (an oidc-provider interaction uid) the person came from: the last page leads back to it. */
  interaction?: string;
  /** "Text me" / "Call me" was pressed in this flow (known account or not): the page then expects that code. */
  asked?: 'sms' | 'call';
  /** When the flow lapses (epoch ms): a flow put back after a refused write keeps only what is left. */
  expiresAt?: number;
}

const TTL_SECONDS = 15 * 60;
const cookieName = (kind: RecoveryKind) => `admit.${kind}`;

export function createRecoveryFlows({ store }: { store: Store }) {
  const key = (id: string) => storeKey('portal-recovery', id);

  return {
    async start(ctx: Context, flow: Omit<RecoveryFlow, 'id' | 'proved'>): Promise<RecoveryFlow> {
      const created: RecoveryFlow = { ...flow, id: randomBytes(24).toString('base64url'), proved: false, expiresAt: Date.now() + TTL_SECONDS * 1000 };
      await store.set(key(created.id), JSON.stringify(created), { ttlSeconds: TTL_SECONDS });
      setCookie(ctx, cookieName(flow.kind), created.id, { maxAge: TTL_SECONDS * 1000 });
      return created;
    },
    /** The flow of this kind this browser started, if still open. */
    async current(ctx: Context, kind: RecoveryKind): Promise<RecoveryFlow | undefined> {
      const id = ctx.cookies.get(cookieName(kind));
      if (!id || !/^[A-Za-z0-9_-]{32}$/.test(id)) return undefined;
      const raw = await store.get(key(id));
      const flow = raw === undefined ? undefined : (JSON.parse(raw) as RecoveryFlow);
      return flow?.kind === kind ? flow : undefined;
    },
    async save(flow: RecoveryFlow): Promise<void> {
      await store.set(key(flow.id), JSON.stringify(flow), { ttlSeconds: TTL_SECONDS });
    },
    /**
     * Takes the flow out of the store before its finish writes anything: of
     * parallel finishes exactly one gets it, the others find it gone.
     */
    async take(flow: RecoveryFlow): Promise<RecoveryFlow | undefined> {
      const raw = await store.take(key(flow.id));
      return raw === undefined ? undefined : (JSON.parse(raw) as RecoveryFlow);
    },
    /** Puts a taken flow back (the write was refused), for what is left of its lifetime. */
    async putBack(flow: RecoveryFlow): Promise<void> {
      const left = Math.ceil(((flow.expiresAt ?? Date.now() + TTL_SECONDS * 1000) - Date.now()) / 1000);
      if (left > 0) await store.set(key(flow.id), JSON.stringify(flow), { ttlSeconds: left });
    },
    /** Ends the flow; of two parallel finishes only the one that takes it goes on. */
    async finish(ctx: Context, flow: RecoveryFlow): Promise<boolean> {
      clearCookie(ctx, cookieName(flow.kind));
      return (await store.take(key(flow.id))) !== undefined;
    },
  };
}

export type RecoveryFlows = ReturnType<typeof createRecoveryFlows>;
