/** The service registry: name → factory. main.ts starts the enabled ones. */
import type { ServiceName } from '../config.ts';
import type { ServiceFactory } from '../runtime/service.ts';
import { createMallService } from './mall/index.ts';

export const SERVICE_FACTORIES: Partial<Record<ServiceName, ServiceFactory>> = {
  mall: createMallService,
};
