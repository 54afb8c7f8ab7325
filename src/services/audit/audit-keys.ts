import { storeKey } from '../../store/port.ts';

/** Every event of one UTC day (YYYY-MM-DD), oldest first. */
export const dayListKey = (day: string) => storeKey('audit', day);
/** The events of one site and day; the same events as in the day's list. */
export const siteDayListKey = (siteId: string, day: string) => storeKey('audit-site', `${siteId}:${day}`);
