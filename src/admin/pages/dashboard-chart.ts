import { formatDateTime } from '../../i18n/index.ts';
import type { Translate } from '../../i18n/text.ts';
import type { DayFigures } from '../../services/dashboard-counters.ts';

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
/**
 * "7 Dec" for 2025-12-07 ("7 déc.", "7 Dez.", "7 dic" in the page's
 * language): the day and Intl's short month name, always in that order, so
 * the chart's axis can put the month on a line of its own.
 */
export function dayLabel(day: string, locale: string): string {
  const date = new Date(`${day.slice(0, 10)}T12:00:00Z`);
  const month = formatDateTime(locale, date, { month: 'short' });
  return `${Number(day.slice(8, 10))} ${month}`;
}

/** The least of 1, 2, 5 × 10^k that is at least `value` (and at least 4, so four grid lines are whole numbers). */
function niceMax(value: number): number {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value)!;
}

const WIDTH = 560;
const HEIGHT = 230;
const LEFT = 44;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 44;

/**
 * Sign-ins and failures per day as a bar chart, server-rendered SVG (no
 * script, no inline style: the bars' colours are classes in admit.css). The
 * picture is one image to a screen reader (its title and description say the
 * totals); the table beside it carries the figures.
 */
export function signInChart(days: readonly DayFigures[], t: Translate, locale: string): string {
  const max = niceMax(Math.max(0, ...days.flatMap((day) => [day.signIns, day.failures])));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const group = plotWidth / Math.max(1, days.length);
  const bar = Math.max(2, Math.floor(group * 0.36));
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const parts: string[] = [];
  const totals = days.reduce((sum, day) => ({ signIns: sum.signIns + day.signIns, failures: sum.failures + day.failures }), { signIns: 0, failures: 0 });
  const first = days[0]?.day;
  const last = days.at(-1)?.day;
  parts.push(
    `<title id="chart-title">${escapeXml(first && last ? t('admin:dashboard.chartTitleRange', { from: dayLabel(first, locale), to: dayLabel(last, locale) }) : t('admin:dashboard.perDay'))}</title>`,
  );
  parts.push(
    `<desc id="chart-desc">${escapeXml(t('admin:dashboard.chartDesc', { signIns: t('admin:dashboard.signInCount', { count: totals.signIns }), failures: t('admin:dashboard.failureCount', { count: totals.failures }), days: days.length }))}</desc>`,
  );
  for (let step = 0; step <= 4; step += 1) {
    const value = (max / 4) * step;
    const at = y(value).toFixed(1);
    parts.push(`<line class="chart-grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${at}" y2="${at}"/>`);
    parts.push(`<text class="chart-axis" x="${LEFT - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeXml(String(value))}</text>`);
  }
  let month = '';
  days.forEach((day, index) => {
    const x = LEFT + index * group + (group - 2 * bar - 2) / 2;
    const label = dayLabel(day.day, locale);
    for (const [kind, value, offset, counted] of [
      ['ok', day.signIns, 0, 'admin:dashboard.signInCount'],
      ['failed', day.failures, bar + 2, 'admin:dashboard.failureCount'],
    ] as const) {
      const top = y(value);
      parts.push(
        `<rect class="chart-${kind}" x="${(x + offset).toFixed(1)}" y="${top.toFixed(1)}" width="${bar}" height="${(TOP + plotHeight - top).toFixed(1)}"><title>${escapeXml(`${label}: ${t(counted, { count: value })}`)}</title></rect>`,
      );
    }
    const centre = (LEFT + index * group + group / 2).toFixed(1);
    const [date, name] = [label.slice(0, label.indexOf(' ')), label.slice(label.indexOf(' ') + 1)];
    parts.push(`<text class="chart-axis" x="${centre}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${escapeXml(date!)}</text>`);
    if (name !== month) {
      parts.push(`<text class="chart-axis" x="${centre}" y="${HEIGHT - BOTTOM + 32}" text-anchor="middle">${escapeXml(name!)}</text>`);
      month = name!;
    }
  });
  parts.push(`<line class="chart-base" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + plotHeight}" y2="${TOP + plotHeight}"/>`);
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
