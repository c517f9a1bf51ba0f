/** The service registry: name → factory. main.ts starts the enabled ones. */
import type { ServiceName } from '../config.ts';
import type { ServiceFactory } from '../runtime/service.ts';
import { createAiService } from './aiservice/index.ts';
import { createCccService } from './ccc/index.ts';
import { createEventBusService } from './eventbus/index.ts';
import { createKolibriService } from './kolibri/index.ts';
import { createMallService } from './mall/index.ts';
import { createOpenkoreService } from './openkore/index.ts';

export const SERVICE_FACTORIES: Partial<Record<ServiceName, ServiceFactory>> = {
  aiservice: createAiService,
  ccc: createCccService,
  eventbus: createEventBusService,
  kolibri: createKolibriService,
  mall: createMallService,
  openkore: createOpenkoreService,
};
