/**
 * Realistic, deterministic people for the scale benchmark: user names like
 * `maria.garcia17`, emails at a few dozen company domains, display names
 * "Maria Garcia". The same index always gives the same person, so a prefix
 * query hits a predictable share of the accounts (about 1 in 60 for a first
 * name, 1 in 3,600 for a first and last name).
 */
const FIRST = [
  'maria',
  'james',
  'anna',
  'john',
  'sofia',
  'david',
  'laura',
  'michael',
  'elena',
  'robert',
  'julia',
  'thomas',
  'sarah',
  'daniel',
  'emma',
  'peter',
  'lucia',
  'mark',
  'olga',
  'paul',
  'nina',
  'kevin',
  'chloe',
  'lars',
  'ingrid',
  'ahmed',
  'fatima',
  'yuki',
  'kenji',
  'wei',
  'mei',
  'raj',
  'priya',
  'carlos',
  'ana',
  'jorge',
  'isabel',
  'pierre',
  'claire',
  'hans',
  'greta',
  'ivan',
  'katya',
  'omar',
  'leila',
  'samuel',
  'grace',
  'noah',
  'olivia',
  'liam',
  'mia',
  'lucas',
  'zoe',
  'felix',
  'hanna',
  'tomas',
  'eva',
  'marco',
  'giulia',
  'sven',
] as const;
const LAST = [
  'garcia',
  'smith',
  'muller',
  'rossi',
  'martin',
  'silva',
  'kowalski',
  'novak',
  'jensen',
  'nielsen',
  'tanaka',
  'suzuki',
  'wang',
  'li',
  'zhang',
  'kumar',
  'patel',
  'sharma',
  'lopez',
  'gonzalez',
  'fernandez',
  'dubois',
  'bernard',
  'schmidt',
  'schneider',
  'fischer',
  'weber',
  'ivanov',
  'petrov',
  'hassan',
  'ali',
  'khan',
  'johnson',
  'brown',
  'jones',
  'miller',
  'davis',
  'wilson',
  'anderson',
  'taylor',
  'thomas',
  'moore',
  'jackson',
  'white',
  'harris',
  'clark',
  'lewis',
  'walker',
  'hall',
  'young',
  'king',
  'wright',
  'scott',
  'green',
  'baker',
  'adams',
  'nelson',
  'hill',
  'campbell',
  'mitchell',
] as const;
const COMPANIES = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
  'soylent',
  'vandelay',
  'massive',
  'oscorp',
  'aperture',
  'blackmesa',
  'gringotts',
  'monarch',
  'nakatomi',
  'oceanic',
  'pied-piper',
  'prestige',
  'sterling',
  'vehement',
  'virtucon',
  'weyland',
  'zorg',
  'dunder',
  'bluth',
  'kramerica',
] as const;

const capital = (word: string) => word[0]!.toUpperCase() + word.slice(1);

export interface Person {
  username: string;
  email: string;
  name: string;
}

/** Person `index` (0, 1, 2 …): first and last name cycle independently, the number makes the user name unique. */
export function personAt(index: number): Person {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length]!;
  const serial = Math.floor(index / (FIRST.length * LAST.length));
  const company = COMPANIES[(index * 7 + serial) % COMPANIES.length]!;
  const username = `${first}.${last}${serial}`;
  return { username, email: `${username}@${company}.test`, name: `${capital(first)} ${capital(last)}` };
}

/**
 * The prefix searches an admin types, from broad to narrow: a first letter
 * or two, a first name, a full name, a user name with the start of its
 * number, an email, a company domain. Each is run in its field (the form's
 * "Search in") and some across every field (the form's default).
 */
export const SEARCHES = [
  { label: 'user name "m"', field: 'username', q: 'm' },
  { label: 'user name "maria."', field: 'username', q: 'maria.' },
  { label: 'user name "maria.garcia1"', field: 'username', q: 'maria.garcia1' },
  { label: 'email "jo"', field: 'email', q: 'jo' },
  { label: 'email "sofia.silva2"', field: 'email', q: 'sofia.silva2' },
  { label: 'name "Anna"', field: 'name', q: 'Anna' },
  { label: 'name "Elena Rossi"', field: 'name', q: 'Elena Rossi' },
  { label: 'any field "lu"', field: '', q: 'lu' },
  { label: 'any field "acme.test"', field: '', q: 'acme.test' },
  { label: 'any field "zzz" (no match)', field: '', q: 'zzz' },
] as const;
