/**
 * Makes `navigator.language` a tag `Intl` accepts before the chart library reads it. Browsers on some Linux systems
 * report the POSIX locale ("en-US@posix"); uPlot 1.6.32 builds an `Intl.NumberFormat` from `navigator.language` when
 * its module loads, and an invalid tag throws there, which left every page of this front end blank (leeoniya/uPlot
 * issue 1053, fixed on its main branch, not in a release yet). Imported first by `main.tsx`, so it runs before uPlot.
 */

function canonical(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/**
 * The tag itself when `Intl` accepts it; else without a POSIX modifier or character set and with `-` for `_`
 * ("en_US.UTF-8@posix" → "en-US"); else the runtime's own default locale.
 */
export function usableLanguage(tag: string): string {
  return (
    canonical(tag) ??
    canonical(tag.split(/[.@]/)[0]?.replaceAll('_', '-') ?? '') ??
    new Intl.NumberFormat().resolvedOptions().locale
  );
}

const reported = navigator.language;
const usable = usableLanguage(reported);
if (usable !== reported) Object.defineProperty(navigator, 'language', { value: usable, configurable: true });
