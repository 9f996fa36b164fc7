/**
 * CPIC population codes in words, for labels, cards and pages. Each is CPIC's own wording from the rows' "other
 * considerations" (clopidogrel: "For cardiovascular indications of acute coronary syndrome (ACS) and/or percutaneous
 * coronary intervention (PCI)", "For non-acute coronary syndrome (non-ACS) and non-percutaneous coronary
 * intervention (non-PCI) cardiovascular indications", "For neurovascular indications"). Other codes are shown as
 * CPIC writes them.
 */
const POPULATION_WORDS: Readonly<Record<string, string>> = {
  'CVI ACS PCI': 'ACS and/or PCI',
  'CVI non-ACS non-PCI': 'non-ACS, non-PCI cardiovascular indications',
  NVI: 'neurovascular indications',
};

/** A CPIC population code in words (`NVI` → `neurovascular indications`). */
export function populationWords(population: string): string {
  return POPULATION_WORDS[population] ?? population;
}
