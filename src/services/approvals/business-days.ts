const DAY_MS = 86_400_000;

/**
 * Business days (Monday to Friday, UTC; no holiday calendar) from a moment to
 * now: the weekdays after the day it happened, up to and including today. A
 * request sent on Friday is 1 business day old on Monday, 2 on Tuesday.
 */
export function businessDaysSince(fromIso: string, now: Date = new Date()): number {
  const startDay = Math.floor(Date.parse(fromIso) / DAY_MS);
  const today = Math.floor(now.getTime() / DAY_MS);
  let count = 0;
  for (let day = startDay + 1; day <= today; day += 1) {
    const weekday = new Date(day * DAY_MS).getUTCDay();
    if (weekday !== 0 && weekday !== 6) count += 1;
  }
  return count;
}

/** The promise the seed makes: "typically within two business days". */
export const APPROVAL_SLA_BUSINESS_DAYS = 2;

export const isOverdue = (fromIso: string, now?: Date) => businessDaysSince(fromIso, now) > APPROVAL_SLA_BUSINESS_DAYS;
