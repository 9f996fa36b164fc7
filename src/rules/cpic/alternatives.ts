/**
 * Alternative drugs that CPIC recommendation texts name, with their RxNorm ingredient codes, and which of them a
 * finding's own text names (`namedAlternatives`, computed once per finding).
 *
 * Which names: every drug a CPIC recommendation names as the thing to use instead of the ordered drug (read from
 * `knowledge/cpic/recommendations.json`, 2026-04-30). A name is offered only when the finding's own recommendation text
 * contains it as a whole word, and only for the ordered drugs listed with it (so celecoxib, which the flurbiprofen
 * text mentions in passing, is never offered for flurbiprofen).
 *
 * Where the codes come from (none typed from memory):
 * - `cpic-rxnorm-extract`: `knowledge/rxnorm/cpic-drug-products.json` `drugs.<name>.rxcui` (the CPIC ingredient rxcui).
 * - `rxnorm-prescribe-2025-10-06`: NLM RxNorm Current Prescribable Content 2025-10-06, as extracted per ingredient in
 *   davidanderson3/rxnorm-ingredients `web/data/<letter>.json` at commit 2810603af617bb0fba00c925a8d1e8c6153ba7af
 *   (`{"Name": "prasugrel", "RXCUI": "613391", "TTY": "IN"}` in P.json, `{"Name": "ticagrelor", "RXCUI": "1116632",
 *   "TTY": "IN"}` in T.json). The CDS Hooks sandbox's `src/assets/medication-list.js` (the brief's suggested source)
 *   holds product and dose-form-group names only, no ingredient (IN) concepts, so it could not supply these.
 *
 * Named by CPIC but without a sourced code here (the card names them in the detail, with no order suggestion):
 * granisetron (ondansetron, tropisetron), isavuconazole, posaconazole and liposomal amphotericin B (voriconazole).
 */

export interface AlternativeDrug {
  /** Ingredient name as CPIC writes it (lower case). */
  readonly name: string;
  /** RxNorm ingredient (TTY IN) rxcui, when sourced. */
  readonly rxcui?: string;
  /** Where the rxcui was read (see above). */
  readonly source?: 'cpic-rxnorm-extract' | 'rxnorm-prescribe-2025-10-06';
  /** The ordered drugs whose CPIC text names this alternative. */
  readonly insteadOf: readonly string[];
}

const TERTIARY_AMINE_TCAS = ['amitriptyline', 'clomipramine', 'doxepin', 'imipramine', 'trimipramine'];
const LONG_HALF_LIFE_NSAIDS = ['meloxicam', 'piroxicam', 'tenoxicam'];

export const ALTERNATIVE_DRUGS: readonly AlternativeDrug[] = [
  // "Use prasugrel or ticagrelor at standard dose if no contraindication."
  { name: 'prasugrel', rxcui: '613391', source: 'rxnorm-prescribe-2025-10-06', insteadOf: ['clopidogrel'] },
  { name: 'ticagrelor', rxcui: '1116632', source: 'rxnorm-prescribe-2025-10-06', insteadOf: ['clopidogrel'] },
  // "TCAs without major CYP2C19 metabolism include the secondary amines nortriptyline and desipramine."
  { name: 'nortriptyline', rxcui: '7531', source: 'cpic-rxnorm-extract', insteadOf: TERTIARY_AMINE_TCAS },
  { name: 'desipramine', rxcui: '3247', source: 'cpic-rxnorm-extract', insteadOf: TERTIARY_AMINE_TCAS },
  // Atorvastatin: "If dose >20mg is needed for desired efficacy, consider rosuvastatin or combination therapy".
  { name: 'rosuvastatin', rxcui: '301542', source: 'cpic-rxnorm-extract', insteadOf: ['atorvastatin'] },
  // "... or choose an NSAID metabolized by CYP2C9 but with a shorter half-life (see CPIC THERAPEUTIC
  // RECOMMENDATIONS FOR CELECOXIB, FLURBIPROFEN, LORNOXICAM, AND IBUPROFEN ...)"
  { name: 'celecoxib', rxcui: '140587', source: 'cpic-rxnorm-extract', insteadOf: LONG_HALF_LIFE_NSAIDS },
  { name: 'flurbiprofen', rxcui: '4502', source: 'cpic-rxnorm-extract', insteadOf: LONG_HALF_LIFE_NSAIDS },
  { name: 'lornoxicam', rxcui: '20890', source: 'cpic-rxnorm-extract', insteadOf: LONG_HALF_LIFE_NSAIDS },
  { name: 'ibuprofen', rxcui: '5640', source: 'cpic-rxnorm-extract', insteadOf: LONG_HALF_LIFE_NSAIDS },
  // "Select alternative drug not predominantly metabolized by CYP2D6 (i.e., granisetron)."
  { name: 'granisetron', insteadOf: ['ondansetron', 'tropisetron'] },
  // "Such agents include isavuconazole, liposomal amphotericin B, and posaconazole."
  { name: 'isavuconazole', insteadOf: ['voriconazole'] },
  { name: 'liposomal amphotericin B', insteadOf: ['voriconazole'] },
  { name: 'posaconazole', insteadOf: ['voriconazole'] },
];

/** The alternatives CPIC's recommendation text names for this drug (whole words, case-insensitive). */
export function namedAlternatives(drug: string, recommendation: string): readonly AlternativeDrug[] {
  return ALTERNATIVE_DRUGS.filter(
    (alt) =>
      alt.insteadOf.includes(drug) &&
      new RegExp(`(?<![\\w-])${alt.name.replace(/ /g, '\\s+')}(?![\\w-])`, 'i').test(recommendation),
  );
}
