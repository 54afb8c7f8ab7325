import { keyRotationSuite } from './key-rotation.ts';

// The whole timeline, retirement included (about 75 s: the schema's shortest token lifetime is 60 s); the process restarts after the switch.
keyRotationSuite({
  name: 'Redis, three instances (one a process of its own)',
  redis: true,
  count: 3,
  processes: 1,
  untilRetirement: true,
  propagation: 4,
  restart: 'after-switch',
});
