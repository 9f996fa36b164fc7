/**
 * RxNorm concepts of the drugs that safety rules name (research §2.2 R8 sulfonylureas). Data only: which drugs a
 * safety rule covers comes from the ThresholdSet; this table only lets a coded order be recognized by its code.
 *
 * Where the codes come from (none typed from memory):
 * - `rxnorm-prescribe-2025-10-06`: NLM RxNorm Current Prescribable Content 2025-10-06, as extracted per ingredient in
 *   davidanderson3/rxnorm-ingredients `web/data/G.json` at commit a8fcf13a679fa37073e8fa83e11d5e0d8cc07276 (the same
 *   extract `knowledge/rxnorm/README.md` and `src/rules/cpic/alternatives.ts` cite): the glipizide ingredient entry
 *   (`{"Name": "glipizide", "RXCUI": "4821", "TTY": "IN"}`) with its SCDC → SCD → SBD → BN tree, and the Amaryl
 *   brand of glimepiride (`glimepiride 4 MG Oral Tablet [Amaryl]`, BN 153592).
 * - `cpic-pairs`: `knowledge/cpic/pairs.json` `pairs[].rxnorm` of the G6PD × sulfonylurea pairs (CPIC level C, no CPIC
 *   recommendation rows, so not in `rules/cpic`): gliclazide 4816, glimepiride 25789, glipizide 4821 (agrees with the
 *   NLM extract), glyburide 4815, tolbutamide 10635.
 *
 * Not coded here (matched by name only): every glimepiride, glyburide and tolbutamide product (only their
 * ingredient concepts are sourced), gliclazide products (not marketed in the US, absent from the prescribable
 * extract), and glibenclamide, the INN of glyburide, which RxNorm files under glyburide (4815).
 *
 * RxNorm (SAB=RXNORM) is public domain; attribution as in `knowledge/rxnorm/README.md`: "This product uses publicly
 * available data courtesy of the U.S. National Library of Medicine (NLM), National Institutes of Health, Department
 * of Health and Human Services; NLM is not responsible for the product and does not endorse or recommend this or any
 * other product."
 */

/** One RxNorm concept and the safety-rule drug it contains. */
export interface SafetyRuleConcept {
  readonly rxcui: string;
  /** The RxNorm name as the source writes it. */
  readonly name: string;
  /** RxNorm term type: ingredient, clinical drug, branded drug, brand name. */
  readonly tty: 'IN' | 'SCD' | 'SBD' | 'BN';
  /** Lower-case drug name as the ThresholdSet's safety rules write it. */
  readonly drug: string;
  readonly source: 'rxnorm-prescribe-2025-10-06' | 'cpic-pairs';
}

const NLM = 'rxnorm-prescribe-2025-10-06';

export const SAFETY_RULE_RXNORM: readonly SafetyRuleConcept[] = [
  // Ingredients.
  { rxcui: '4821', name: 'glipizide', tty: 'IN', drug: 'glipizide', source: NLM },
  { rxcui: '25789', name: 'glimepiride', tty: 'IN', drug: 'glimepiride', source: 'cpic-pairs' },
  { rxcui: '4815', name: 'glyburide', tty: 'IN', drug: 'glyburide', source: 'cpic-pairs' },
  { rxcui: '4816', name: 'gliclazide', tty: 'IN', drug: 'gliclazide', source: 'cpic-pairs' },
  { rxcui: '10635', name: 'tolbutamide', tty: 'IN', drug: 'tolbutamide', source: 'cpic-pairs' },
  { rxcui: '2121085', name: 'siponimod', tty: 'IN', drug: 'siponimod', source: 'cpic-pairs' },
  // Glipizide products (NLM extract, glipizide IN tree).
  { rxcui: '379804', name: 'glipizide 2.5 MG Oral Tablet', tty: 'SCD', drug: 'glipizide', source: NLM },
  { rxcui: '310490', name: 'glipizide 5 MG Oral Tablet', tty: 'SCD', drug: 'glipizide', source: NLM },
  { rxcui: '310488', name: 'glipizide 10 MG Oral Tablet', tty: 'SCD', drug: 'glipizide', source: NLM },
  {
    rxcui: '310489',
    name: '24 HR glipizide 2.5 MG Extended Release Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '314006',
    name: '24 HR glipizide 5 MG Extended Release Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '315107',
    name: '24 HR glipizide 10 MG Extended Release Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '861731',
    name: 'glipizide 2.5 MG / metformin hydrochloride 250 MG Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '861736',
    name: 'glipizide 2.5 MG / metformin hydrochloride 500 MG Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '861740',
    name: 'glipizide 5 MG / metformin hydrochloride 500 MG Oral Tablet',
    tty: 'SCD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '865571',
    name: '24 HR glipizide 2.5 MG Extended Release Oral Tablet [Glucotrol]',
    tty: 'SBD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '865573',
    name: '24 HR glipizide 5 MG Extended Release Oral Tablet [Glucotrol]',
    tty: 'SBD',
    drug: 'glipizide',
    source: NLM,
  },
  {
    rxcui: '865568',
    name: '24 HR glipizide 10 MG Extended Release Oral Tablet [Glucotrol]',
    tty: 'SBD',
    drug: 'glipizide',
    source: NLM,
  },
  // Brand names (also matched as whole words in display text).
  { rxcui: '203680', name: 'Glucotrol', tty: 'BN', drug: 'glipizide', source: NLM },
  { rxcui: '153592', name: 'Amaryl', tty: 'BN', drug: 'glimepiride', source: NLM },
];
