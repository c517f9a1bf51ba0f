/** The services' error profiles, for checking the drill's envelope rules against real bodies. */
export { cccProfile, kolibriProfile, mallProfile, openkoreProfile } from '../../src/runtime/errors.ts';
export { eventBusProfile as eventBusProfileForTest } from '../../src/services/eventbus/errors.ts';
