import { fullFlowSuite } from './full-flow.ts';

fullFlowSuite('SQLite', () => undefined);
