import { keyRotationSuite } from './key-rotation.ts';

// Stage, publish and switch on one SQLite file shared by two processes; retirement is timed the same way (see the Redis file).
keyRotationSuite({ name: 'one SQLite file, two processes', redis: false, count: 2, processes: 1, untilRetirement: false });
