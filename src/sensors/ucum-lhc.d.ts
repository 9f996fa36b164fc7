/** The part of `@lhncbc/ucum-lhc` 7.1.9 (no bundled types) that `units.ts` uses. */
declare module '@lhncbc/ucum-lhc' {
  interface ConvertUnitResult {
    readonly status: 'succeeded' | 'failed' | 'error';
    readonly toVal: number | null;
    readonly msg: readonly string[];
  }
  interface ValidateUnitResult {
    readonly status: 'valid' | 'invalid' | 'error';
    readonly ucumCode: string | null;
    /** The unit found; `{}` (no code) when the library matched an Object.prototype member. */
    readonly unit?: { readonly code?: string | number; readonly name?: string | number };
    readonly msg: readonly string[];
  }
  interface UcumLhcUtilsInstance {
    validateUnitString(unit: string): ValidateUnitResult;
    convertUnitTo(
      from: string,
      value: number,
      to: string,
      options?: { readonly molecularWeight?: number },
    ): ConvertUnitResult;
  }
  export const UcumLhcUtils: { getInstance(): UcumLhcUtilsInstance };
}
