/** A #rrggbb colour as its red, green and blue parts. */
function channels(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

const toHex = (parts: number[]) =>
  `#${parts
    .map((part) =>
      Math.round(Math.max(0, Math.min(255, part)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;

/** The colour mixed with another: `share` of `other` (0 … 1). */
const mix = (hex: string, other: [number, number, number], share: number) =>
  toHex(channels(hex).map((part, index) => part * (1 - share) + other[index]! * share));

/** WCAG relative luminance of a colour, 0 (black) … 1 (white). */
function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((part) => {
    const c = part / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours (WCAG 2): 1 … 21. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * A site's accent as the custom properties public/admit.css draws with
 * (`--brand`, its darker hover shade, its pale tint). A colour too light to
 * carry white text and links on white (contrast under 4.5:1) is darkened
 * until it does, so a brand colour never makes a button unreadable.
 */
export function accentStylesheet(accent: string): string {
  let brand = accent;
  for (let step = 0; step < 20 && contrast(brand, '#ffffff') < 4.5; step += 1) brand = mix(brand, [0, 0, 0], 0.1);
  const dark = mix(brand, [0, 0, 0], 0.2);
  const soft = mix(brand, [255, 255, 255], 0.92);
  return `/* admit: this site's accent colour (branding.accentColor ${accent}) */\n:root {\n  --brand: ${brand};\n  --brand-dark: ${dark};\n  --brand-soft: ${soft};\n}\n`;
}
