import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Renderer } from '../http/render.ts';

/**
 * oidc-provider's own pages (errors, logout confirmation, logout done) drawn
 * with admit's layout. Error details from the protocol are shown only as the
 * standard OAuth error code and description, never a stack.
 */
export function providerPages(render: Renderer): Pick<Configuration, 'renderError'> & {
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
} {
  const clientName = (ctx: KoaContextWithOIDC) => ctx.oidc?.client?.clientName ?? ctx.oidc?.client?.clientId;
  return {
    async renderError(ctx, out) {
      const description = out.error_description ?? 'The request could not be completed.';
      await render(ctx, 'error', {
        title: 'Sign-in error',
        heading: 'This request could not be completed',
        message: `${description} (${out.error})`,
        hint: 'Go back to the application and start again.',
      });
    },
    async logoutSource(ctx, form) {
      await render(ctx, 'logout/confirm', { title: 'Sign out', form, clientName: clientName(ctx) });
    },
    async postLogoutSuccessSource(ctx) {
      await render(ctx, 'logout/done', { title: 'Signed out', clientName: clientName(ctx) });
    },
  };
}
