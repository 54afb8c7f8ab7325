import type { Renderer } from '../http/render.ts';
import { localeOf } from '../i18n/index.ts';
import { regionSelectorModel } from './region-selector.ts';

/** Gives every page `regionSelector`, what views/partials/region-selector.ejs shows (the sign-in and help pages include it). */
export function withRegionSelector(render: Renderer): Renderer {
  return (ctx, view, data) => render(ctx, view, { regionSelector: regionSelectorModel(ctx, localeOf(ctx)), ...data });
}
