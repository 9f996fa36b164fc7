/** The handler of each hook this service implements; a test checks it matches `cds-services.json`. */
import type { HookHandlers } from '../cds/routes';
import { orderSelect } from './order-select';
import { orderSign } from './order-sign';
import { patientView } from './patient-view';

export const HOOK_HANDLERS: HookHandlers = {
  'order-select': orderSelect,
  'order-sign': orderSign,
  'patient-view': patientView,
};
