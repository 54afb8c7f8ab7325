import { keyRotationSuite } from './key-rotation.ts';

// Stage, publish and switch on one SQLite file shared by two processes, the process restarted during the propagation delay
// (it must come back publishing the staged keys and signing with the old ones); retirement: see the Redis file.
keyRotationSuite({ name: 'one SQLite file, two processes', redis: false, count: 2, processes: 1, untilRetirement: false, propagation: 8, restart: 'during' });
