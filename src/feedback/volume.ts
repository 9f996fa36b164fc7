/**
 * Alert-volume policy. For now one rule, from the order-select hook's contract: the same advice (patient + drug +
 * decision) is not repeated within a short window, because real clients fire order-select on every field change.
 * The key never uses the order's id: the CDS Hooks sandbox gives every draft order the same id.
 *
 * Kept in process memory (hashed keys, no patient identifier in clear): with several instances a repeat may
 * reach a clinician once per instance, which errs on the side of showing advice.
 */
import { createHash } from 'node:crypto';
import NodeCache from 'node-cache';

/** How long the same order-select advice stays quiet after it was shown, in seconds. */
export const ORDER_SELECT_REPEAT_WINDOW_S = 10 * 60;

export interface RepeatKey {
  readonly patientId: string;
  readonly drug: string;
  /** What the advice is: action, severity and the CPIC row (or genes) it rests on. */
  readonly decision: string;
}

export interface RepeatSuppressor {
  /** Keeps the items whose key was not shown within the window, and remembers them as shown. */
  filter<T>(items: readonly T[], keyOf: (item: T) => RepeatKey): T[];
}

export function createRepeatSuppressor(
  windowSeconds: number = ORDER_SELECT_REPEAT_WINDOW_S,
): RepeatSuppressor {
  const shown = new NodeCache({
    stdTTL: windowSeconds,
    checkperiod: Math.max(1, Math.round(windowSeconds / 5)),
  });
  const hash = (k: RepeatKey): string =>
    createHash('sha256').update(`${k.patientId}\n${k.drug}\n${k.decision}`).digest('hex');
  return {
    filter(items, keyOf) {
      return items.filter((item) => {
        const h = hash(keyOf(item));
        if (shown.has(h)) return false;
        shown.set(h, true);
        return true;
      });
    },
  };
}
