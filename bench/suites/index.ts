/** Every registered benchmark suite; services add one import + spread line each. */
import type { Suite } from '../lib/types.ts';
import { suites as aiservice } from './aiservice.ts';
import { suites as ccc } from './ccc.ts';
import { suites as eventbus } from './eventbus.ts';
import { suites as eventbusNats } from './eventbus-nats.ts';
import { suites as jimbot } from './jimbot.ts';
import { suites as kernel } from './kernel.ts';
import { suites as kolibri } from './kolibri.ts';
import { suites as mall } from './mall.ts';
import { suites as openkore } from './openkore.ts';
import { suites as soak } from './soak.ts';

export const ALL_SUITES: Suite[] = [
  ...aiservice,
  ...ccc,
  ...eventbus,
  ...eventbusNats,
  ...jimbot,
  ...kernel,
  ...kolibri,
  ...mall,
  ...openkore,
  ...soak,
];
