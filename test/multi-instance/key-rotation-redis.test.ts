import { keyRotationSuite } from './key-rotation.ts';

// The whole timeline, retirement included (about 70 s: the schema's shortest token lifetime is 60 s).
keyRotationSuite({ name: 'Redis, three instances (one a process of its own)', redis: true, count: 3, processes: 1, untilRetirement: true });
