/**
 * `patient-view` (https://cds-hooks.hl7.org/hooks/STU1/patient-view.html): one summary card of actionable
 * phenotypes, medications with PGx issues and relevant sensor flags; nothing when nothing is actionable.
 */
import type { HookAnswer, HookCall } from '../cds/routes';
import { decide, know, speak } from './advise';
import { answer, gather, temper } from './pipeline';

export async function patientView(call: HookCall<'patient-view'>): Promise<HookAnswer> {
  const gathered = await gather(call);
  const data = know(gathered, [], call.now);
  if (data.gaps.length > 0) call.logger.info({ gaps: data.gaps }, 'answering with incomplete data');
  const spoken = speak(decide(data));
  return answer(temper(spoken.cards), spoken.provenance);
}
