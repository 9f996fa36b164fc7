/** The handler of each hook this service implements; a test checks it matches `cds-services.json`. */
import type { HookHandlers } from '../cds/routes';
import { createOrderSelect } from './order-select';
import { createOrderSign } from './order-sign';
import type { HookServices } from './pipeline';
import { createPatientView } from './patient-view';

export type { HookServices } from './pipeline';
export { incompleteCheckLinksTo } from './pipeline';
export { createGeneReadingCache } from './gene-readings';

export function createHookHandlers(services: HookServices): HookHandlers {
  return {
    'order-select': createOrderSelect(services),
    'order-sign': createOrderSign(services),
    'patient-view': createPatientView(services),
  };
}
