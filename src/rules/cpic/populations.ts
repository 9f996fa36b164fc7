/**
 * CPIC population codes in words, for labels, cards and pages, each in CPIC's own words. Clopidogrel's indications
 * from the rows' "other considerations" ("For cardiovascular indications of acute coronary syndrome (ACS) and/or
 * percutaneous coronary intervention (PCI)", "For non-acute coronary syndrome (non-ACS) and non-percutaneous coronary
 * intervention (non-PCI) cardiovascular indications", "For neurovascular indications"); the anticonvulsants' earlier
 * use from their recommendation texts ("If patient is carbamazepine-naïve ...", "if the patient has previously used
 * phenytoin continuously for longer than three months ..."); efavirenz's code read as written. Other codes
 * (`adults`, `pediatrics`) are shown as CPIC writes them.
 */
const POPULATION_WORDS: Readonly<Record<string, string>> = {
  'CVI ACS PCI': 'ACS and/or PCI',
  'CVI non-ACS non-PCI': 'non-ACS, non-PCI cardiovascular indications',
  NVI: 'neurovascular indications',
  'CBZ naive': 'carbamazepine-naïve',
  'CBZ-no alternatives': 'carbamazepine-naïve, alternative agents not available',
  'CBZ use >3mos': 'previously used carbamazepine for longer than three months',
  'OXC naive': 'oxcarbazepine-naïve',
  'OXC use >3 mos': 'previously used oxcarbazepine for longer than three months',
  'PHT naive': 'phenytoin-naive',
  'PHT use >3mos': 'previously used phenytoin continuously for longer than three months',
  'child >40kg_adult': 'children over 40 kg and adults',
};

/** A CPIC population code in words (`NVI` → `neurovascular indications`). */
export function populationWords(population: string): string {
  return POPULATION_WORDS[population] ?? population;
}
