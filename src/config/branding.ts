import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

/** The largest logo admit takes (it is held in memory and sent with every first page view). */
export const LOGO_MAX_BYTES = 256 * 1024;

/** The only image types admit serves as a logo, by file extension. */
const LOGO_TYPES = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', svg: 'image/svg+xml' } as const;

export type LogoType = (typeof LOGO_TYPES)[keyof typeof LOGO_TYPES];

/** A logo read at start: served from memory by admit at a fixed URL (src/branding/brand-routes.ts). */
export interface LogoFile {
  path: string;
  contentType: LogoType;
  bytes: Buffer;
  /** A strong ETag of the bytes, so a browser revalidates cheaply. */
  etag: string;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);

/** Whether the bytes are what the extension says (a renamed file or a text file called .png is refused). */
function contentMatches(type: LogoType, bytes: Buffer): boolean {
  if (type === 'image/png') return bytes.subarray(0, PNG.length).equals(PNG);
  if (type === 'image/jpeg') return bytes.subarray(0, JPEG.length).equals(JPEG);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  // An SVG document: its root element is <svg> after an optional XML declaration, doctype and comments.
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(text);
}

/** What an SVG logo may not carry: it is shown as an image, and nothing in it should ever run if opened on its own. */
const SVG_ACTIVE_CONTENT = /<script|<foreignObject|\son[a-z]+\s*=|javascript:|<iframe|<embed|<object/i;

/** Reads and checks a logo file; a problem is a sentence for the config error (the option path is added by zod). */
export function readLogoFile(path: string): LogoFile | string {
  const extension = path.toLowerCase().match(/\.([a-z]+)$/)?.[1] ?? '';
  const contentType = LOGO_TYPES[extension as keyof typeof LOGO_TYPES];
  if (!contentType) return `${path}: a logo is a .png, .jpg / .jpeg or .svg file`;
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return `${path}: not a file`;
    size = stat.size;
  } catch (error) {
    return `cannot read the logo file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  // Checked before reading, so a huge file named by mistake is never loaded.
  if (size > LOGO_MAX_BYTES) return `${path} is ${Math.ceil(size / 1024)} KB; a logo may be at most ${LOGO_MAX_BYTES / 1024} KB`;
  if (size === 0) return `${path} is empty`;
  const bytes = readFileSync(path);
  if (!contentMatches(contentType, bytes)) return `${path} is not a ${extension.toUpperCase()} image (its content does not match its extension)`;
  if (contentType === 'image/svg+xml' && SVG_ACTIVE_CONTENT.test(bytes.toString('utf8')))
    return `${path}: an SVG logo may not contain scripts, event handlers, javascript: links or embedded documents`;
  return { path, contentType, bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"` };
}

const hexColour = z
  .string()
  .regex(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i, 'use a hex colour such as "#0b5cab" or "#06c"')
  .transform((value) => {
    const hex = value.slice(1).toLowerCase();
    return `#${hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex}`;
  });

/** Plain text shown on pages and in emails: one line, no markup characters that could confuse a reader of the raw text. */
const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !/[\r\n<>]/.test(value), 'one line of text, without < or >');

const supportSchema = z
  .object({
    email: z.email().optional(),
    /** As people dial it, e.g. "+1 800 555 0100". */
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{5,30}$/, 'a phone number as people dial it, e.g. "+1 800 555 0100"')
      .optional(),
    url: z
      .url()
      .refine((value) => /^https?:\/\//i.test(value), 'an http or https address')
      .optional(),
  })
  .strict()
  .refine((support) => support.email || support.phone || support.url, 'give at least one of email, phone or url');

/**
 * A site's branding (issue 18): what its pages, wizard and emails say and
 * show instead of admit's neutral look. Every option is optional; a site
 * without `branding` looks as admit always did.
 */
export const brandingSchema = z
  .object({
    /** The product people know: the header, "Protect Your <product> Account", the tab title and the emails. */
    productName: line(60).optional(),
    /** A .png, .jpg or .svg file (at most 256 KB), read at start and served by admit at /brand/<site>/logo. */
    logo: z
      .string()
      .min(1)
      .transform((path, ctx): LogoFile => {
        const logo = readLogoFile(path);
        if (typeof logo === 'string') {
          ctx.addIssue({ code: 'custom', message: logo });
          return z.NEVER;
        }
        return logo;
      })
      .optional(),
    /** Read aloud in place of the logo (its alt text); the product name when left out. */
    logoAlt: line(100).optional(),
    /** The accent colour of buttons, links and the header mark, e.g. "#0b5cab". */
    accentColor: hexColour.optional(),
    /** Who people contact when sign-in fails: the help page, error pages and the emails. */
    support: supportSchema.optional(),
    /** The side panel's last line in the MFA wizard (admit's: "Powered by admit"). */
    poweredBy: line(80).optional(),
    /** The browser tab's title after the page's own ("Sign in · <tabTitle>"); the product name when left out. */
    tabTitle: line(80).optional(),
    email: z
      .object({
        /** The display name of the From address (the address stays mail.from's). */
        senderName: line(60).optional(),
        /** A line at the end of every email of the site (e.g. the company's address). */
        footer: line(300).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Branding = z.infer<typeof brandingSchema>;

/** The name in "Protect Your … Account": the site's product name, else its display name (admit's look without branding). */
export function productNameOf(site: { displayName: string; branding?: Branding }): string {
  return site.branding?.productName ?? site.displayName;
}
