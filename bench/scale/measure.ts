import { readFileSync } from 'node:fs';
import type { FormBrowser } from '../../test/support/form-browser.ts';
import { percentile } from '../lib/stats.ts';

/** VmRSS (its anonymous and file-backed parts, and VmHWM, the peak) of a process, in MB, from /proc/<pid>/status. */
export function rssOf(pid: number): { rssMb: number; anonMb: number; fileMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 102.4) / 10;
  return { rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile'), peakMb: mb('VmHWM') };
}

export interface Timing {
  label: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Rows on the page (the last sample's). */
  rows: number;
  /** Every sample (ms), for pooling; not written to the result. */
  times?: number[];
}

const rowsOf = (html: string, marker: RegExp) => html.match(marker)?.length ?? 0;

/** One console page, read whole, timed from the request to its last byte. */
async function timedPage(browser: FormBrowser, url: string): Promise<{ ms: number; html: string }> {
  const started = performance.now();
  const response = await browser.request(url);
  const html = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${html.slice(0, 300)}`);
  return { ms, html };
}

/** Times `url` `samples` times one after the other (an admin at a time), after `warmup` untimed requests. */
export async function timePage(
  browser: FormBrowser,
  label: string,
  url: string,
  options: { samples: number; warmup: number; rowMarker: RegExp },
): Promise<Timing> {
  for (let i = 0; i < options.warmup; i += 1) await timedPage(browser, url);
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < options.samples; i += 1) {
    const { ms, html } = await timedPage(browser, url);
    times.push(ms);
    rows = rowsOf(html, options.rowMarker);
  }
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { label, samples: times.length, p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)), maxMs: round(times.at(-1)!), rows, times };
}

export const USER_ROW = /<tr data-username=/g;
export const REQUEST_ROW = /<tr class="[^"]*" data-request=/g;

/** The URL of the queue's page `page` (1 is the first), by following its "Next" links as an admin would. */
export async function queuePageUrl(browser: FormBrowser, origin: string, page: number): Promise<string> {
  let url = `${origin}/admin/approvals`;
  for (let i = 1; i < page; i += 1) {
    const { html } = await timedPage(browser, url);
    const next = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
    if (!next) throw new Error(`the approval queue has no page ${i + 1}`);
    url = new URL(next.replace(/&amp;/g, '&'), origin).href;
  }
  return url;
}

export interface ExportRun {
  format: 'csv' | 'jsonl';
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  firstByteMs: number;
}

/** Streams an export to this process, counting lines as they arrive (nothing is kept), and its rate. */
export async function timeExport(browser: FormBrowser, origin: string, format: 'csv' | 'jsonl', query: string): Promise<ExportRun> {
  const started = performance.now();
  const response = await browser.request(`${origin}/admin/audit.${format}?${query}`);
  if (response.status !== 200 || !response.body) throw new Error(`the ${format} export answered ${response.status}`);
  let firstByteMs = 0;
  let lines = 0;
  let bytes = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    if (!firstByteMs) firstByteMs = performance.now() - started;
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i += 1) if (chunk[i] === 10) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = format === 'csv' ? lines - 1 : lines;
  return { format, rows, bytes, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), firstByteMs: Math.round(firstByteMs) };
}
