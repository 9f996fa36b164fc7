/**
 * Draft orders for the drugs of safety rules: sensor rules that are not a CPIC/DPWG-actionable pair (research §2.2
 * R8, CYP2C9 IM/PM + sulfonylureas), so the CPIC resolver (`cpic/resolveDrugOrders`) never produces them. The drug
 * list is the published ThresholdSet's (enabled rules with `safetyRule: true`), never a list in code: disabling R8 or
 * adding a drug to it changes which orders are advised on. Recognition is the CPIC resolver's (`resolveDrugOrdersIn`):
 * an RxNorm code from `SAFETY_RULE_RXNORM` first, then the drug or a sourced brand name as a whole word in the coding
 * display, `text` or reference display.
 */
import { resolveDrugOrders, resolveDrugOrdersIn, wholeWordDrugMatcher } from './cpic';
import type { DrugOrder, DrugVocabulary, ResolveOptions } from './cpic';
import { SAFETY_RULE_RXNORM } from './safety-rule-rxnorm';
import type { ThresholdSet } from './thresholds';

/** Lower-case drug names of the enabled safety rules of a ThresholdSet (research §2.2: "state as safety rule"). */
export function safetyRuleDrugs(thresholds: ThresholdSet): string[] {
  return [
    ...new Set(
      thresholds.sensorRules.filter((rule) => rule.enabled && rule.safetyRule).flatMap((rule) => rule.drugs),
    ),
  ];
}

const vocabularies = new WeakMap<ThresholdSet, DrugVocabulary>();

/** The safety-rule drugs of a ThresholdSet as a vocabulary: sourced RxNorm codes, drug and brand names. */
function safetyRuleVocabulary(thresholds: ThresholdSet): DrugVocabulary {
  const cached = vocabularies.get(thresholds);
  if (cached) return cached;
  const drugs = new Set(safetyRuleDrugs(thresholds));
  const concepts = SAFETY_RULE_RXNORM.filter((c) => drugs.has(c.drug));
  const names: Record<string, string[]> = Object.fromEntries([...drugs].map((d) => [d, [d]]));
  for (const brand of concepts.filter((c) => c.tty === 'BN')) {
    names[brand.name.toLowerCase()] = [brand.drug];
  }
  const vocabulary: DrugVocabulary = {
    drugsForRxcui: (rxcui) => concepts.filter((c) => c.rxcui === rxcui).map((c) => c.drug),
    drugsInText: wholeWordDrugMatcher(names),
    ingredientRxcui: (drug) => concepts.find((c) => c.tty === 'IN' && c.drug === drug)?.rxcui,
  };
  vocabularies.set(thresholds, vocabulary);
  return vocabulary;
}

/** Draft orders (a Bundle or an array of resources) naming a drug of an enabled safety rule. */
export function resolveSafetyRuleOrders(
  draftOrders: unknown,
  thresholds: ThresholdSet,
  options: ResolveOptions = {},
): DrugOrder[] {
  return resolveDrugOrdersIn(draftOrders, safetyRuleVocabulary(thresholds), options);
}

/**
 * The draft orders to advise on: those naming a CPIC drug or a safety-rule drug, one DrugOrder per draft order (in
 * draft order), its ingredients the union of both. An order that names neither resolves to nothing.
 */
export function resolveAdvisableOrders(
  draftOrders: unknown,
  thresholds: ThresholdSet,
  options: ResolveOptions = {},
): DrugOrder[] {
  const byIndex = new Map<number, DrugOrder>();
  for (const order of [
    ...resolveDrugOrders(draftOrders, options),
    ...resolveSafetyRuleOrders(draftOrders, thresholds, options),
  ]) {
    const known = byIndex.get(order.orderIndex);
    const names = new Set(known?.ingredients.map((i) => i.name));
    byIndex.set(
      order.orderIndex,
      known
        ? {
            ...known,
            ingredients: [...known.ingredients, ...order.ingredients.filter((i) => !names.has(i.name))],
          }
        : order,
    );
  }
  return [...byIndex.values()].sort((a, b) => a.orderIndex - b.orderIndex);
}
