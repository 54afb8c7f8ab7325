import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Renderer } from '../http/render.ts';
import { text } from '../i18n/text.ts';

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
      // The protocol's own description stays as oidc-provider wrote it (a standard OAuth error, for support); the page around it is translated.
      const message = out.error_description ? `${out.error_description} (${out.error})` : text('signin:providerError.message', { error: out.error });
      await render(ctx, 'error', {
        title: text('signin:providerError.title'),
        heading: text('signin:providerError.heading'),
        message,
        hint: text('signin:providerError.hint'),
      });
    },
    async logoutSource(ctx, form) {
      await render(ctx, 'logout/confirm', { title: text('signin:logout.heading'), form, clientName: clientName(ctx) });
    },
    async postLogoutSuccessSource(ctx) {
      await render(ctx, 'logout/done', { title: text('signin:logout.doneHeading'), clientName: clientName(ctx) });
    },
  };
}
