/**
 * A recorded result read again under the CPIC knowledge in force: where CPIC's allele functions or phenotype rules
 * changed since the result was recorded, the same genotype now gives another phenotype or lookup key (the CYP2D6
 * 2019–2020 consensus made *1/*4, activity score 1.0, an Intermediate Metabolizer where the 2016 table said Normal).
 * Pure: the admin report (`src/admin/reinterpret.ts`) reads the recorded results from the store.
 */
import { alleleFunctionsOf } from './knowledge';
import { callPhenotype, INDETERMINATE } from './phenotype';
import type { PhenotypeCall } from './phenotype';
import type { GeneResult } from './types';

/** What one gene's recorded genotype was called, and what current CPIC calls it. */
export interface ResultChange {
  readonly gene: string;
  /** The genotype as recorded: `*1/*4`. */
  readonly genotype: string;
  readonly was: CalledAs;
  readonly now: CalledAs;
}

export interface CalledAs {
  readonly phenotype: string;
  /** The value CPIC's rows are looked up by: the phenotype, or an activity score (`1.0`). */
  readonly lookupKey: string;
  readonly activityScore?: string;
  /**
   * The CPIC allele functions the call was made with (the gene's `dataVersion`): the record's, when it was recorded
   * with them (calls recorded since 3 Dec 2026), and the data set's for the call now.
   */
  readonly alleleFunctions?: string;
}

function calledAs(
  r: {
    readonly phenotype: string;
    readonly lookupKey: string;
    readonly activityScore?: string;
  },
  alleleFunctions: string | undefined,
): CalledAs {
  return {
    phenotype: r.phenotype,
    lookupKey: r.lookupKey,
    ...(r.activityScore === undefined ? {} : { activityScore: r.activityScore }),
    ...(alleleFunctions === undefined ? {} : { alleleFunctions }),
  };
}

/** How current CPIC calls a recorded genotype; undefined for a result that is not read again (see `callAgain`). */
function currentCall(recorded: GeneResult, sex: string | undefined): PhenotypeCall | undefined {
  if (recorded.alleleStatus !== undefined || recorded.uninterpreted !== undefined) return undefined;
  const alleles = recorded.alleles ?? (recorded.diplotype === undefined ? undefined : [recorded.diplotype]);
  if (alleles === undefined || alleles.length === 0) return undefined;
  return callPhenotype(recorded.gene, alleles, sex === undefined ? {} : { sex });
}

/** A recorded result called again: as current CPIC calls it, and the change from the record, if any. */
export interface CalledAgain {
  /** The record itself when nothing changed, else the record with the current call's phenotype, score and keys. */
  readonly result: GeneResult;
  readonly change?: ResultChange;
}

/**
 * `recorded` called again under current CPIC. Only genotypes are read again: a phenotype the laboratory reported is
 * the laboratory's to revise, and an HLA allele status (positive or negative for a named allele) does not depend on
 * CPIC's tables. A new phenotype, lookup key or activity score is a change; a score missing from the record (a result
 * recorded without one) is not, the lookup key says the same. A genotype current CPIC cannot read (an allele the data
 * set no longer defines) is a change to Indeterminate; one that could not be read before and still cannot is none.
 */
export function callAgain(recorded: GeneResult, sex?: string): CalledAgain {
  const call = currentCall(recorded, sex);
  if (call === undefined) return { result: recorded };
  // The call is now current CPIC's, so are the allele functions it is made with.
  const alleleFunctions = alleleFunctionsOf(recorded.gene);
  const was = calledAs(recorded, recorded.alleleFunctions);
  const now = calledAs(call, alleleFunctions);
  const same =
    was.phenotype === now.phenotype &&
    was.lookupKey === now.lookupKey &&
    (was.activityScore === undefined || was.activityScore === now.activityScore);
  if (same || (was.phenotype === INDETERMINATE && now.phenotype === INDETERMINATE))
    return { result: recorded };
  const {
    activityScore: _score,
    candidateLookupKeys: _keys,
    copyNumberReadings: _readings,
    alleleFunctions: _then,
    ...kept
  } = recorded;
  return {
    result: {
      ...kept,
      ...(alleleFunctions ? { alleleFunctions } : {}),
      phenotype: call.phenotype,
      lookupKey: call.lookupKey,
      ...(call.activityScore === undefined ? {} : { activityScore: call.activityScore }),
      ...(call.candidateLookupKeys === undefined ? {} : { candidateLookupKeys: call.candidateLookupKeys }),
      ...(call.copyNumberReadings === undefined ? {} : { copyNumberReadings: call.copyNumberReadings }),
      ...(call.unreadable === undefined ? {} : { unreadable: call.unreadable }),
    },
    change: {
      gene: recorded.gene,
      genotype: recorded.diplotype ?? (recorded.alleles ?? []).join('/'),
      was,
      now,
    },
  };
}

/** The change in how `recorded` is called (`callAgain`), or undefined when current CPIC calls it the same. */
export function reinterpretResult(recorded: GeneResult, sex?: string): ResultChange | undefined {
  return callAgain(recorded, sex).change;
}
