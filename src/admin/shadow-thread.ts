/**
 * The worker thread of shadow mode (`createWorkerComparer` in shadow.ts): assesses recorded inputs under the set in
 * force and the shadow set and answers the comparison. Threshold sets arrive keyed by a number the main thread gives
 * them, each once while it stays one of the two in use; an engine is built per arrival.
 */
import { parentPort } from 'node:worker_threads';
import { createRuleEngine } from '../rules/engine';
import type { RuleEngine } from '../rules/engine';
import type { ThresholdSet } from '../rules/thresholds';
import { compareRecorded } from './thresholds';

/** A request from the main thread: the sets not sent before, then which two to compare the inputs under. */
export interface ShadowRequest {
  readonly id: number;
  readonly sets: readonly (readonly [number, ThresholdSet])[];
  readonly live: number;
  readonly shadow: number;
  readonly inputs: unknown;
}

export type ShadowReply =
  { readonly id: number; readonly comparison: unknown } | { readonly id: number; readonly error: string };

const port = parentPort;
if (port) {
  const engines = new Map<number, RuleEngine>();
  port.on('message', (request: ShadowRequest) => {
    for (const [key, set] of request.sets) engines.set(key, createRuleEngine(set));
    // Only the two sets of this request are kept: the main thread sends any other again (createWorkerComparer).
    for (const key of engines.keys()) if (key !== request.live && key !== request.shadow) engines.delete(key);
    const live = engines.get(request.live);
    const shadow = engines.get(request.shadow);
    const answer = (reply: ShadowReply): void => {
      port.postMessage(reply);
    };
    if (!live || !shadow) {
      answer({ id: request.id, error: 'threshold set not sent to the shadow thread' });
      return;
    }
    compareRecorded(request.inputs, live, shadow).then(
      (comparison) => {
        answer({ id: request.id, comparison });
      },
      (err: unknown) => {
        answer({ id: request.id, error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
}
