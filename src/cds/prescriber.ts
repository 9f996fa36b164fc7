/**
 * The prescriber's name, for the pharmacists who review overrides: read from the `user` prefetch key
 * (`Practitioner/{{userPractitionerId}}`, https://cds-hooks.hl7.org/2.0/#prefetch-tokens) and recorded with the
 * invocation. Never fetched from the FHIR server when absent: a name is not worth a FHIR read on every call, and
 * the review falls back to the `context.userId` reference.
 */
import type { HumanName } from 'fhir/r4';

/** Longest name kept (a name past this is a defect, not a name). */
const MAX_NAME = 200;

/** Name uses in the order they are preferred; `old` and `anonymous` names are not the person's current name. */
const PREFERRED_USES = ['official', 'usual', undefined, 'nickname', 'temp', 'maiden'] as const;

/** A HumanName in words: its `text`, else prefix, given names and family name, then suffixes ("Ada Lovelace, MD"). */
function nameText(name: HumanName): string {
  if (typeof name.text === 'string' && name.text.trim() !== '') return name.text;
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  const person = [
    ...strings(name.prefix),
    ...strings(name.given),
    ...(typeof name.family === 'string' ? [name.family] : []),
  ].join(' ');
  const suffix = strings(name.suffix).join(' ');
  return suffix !== '' && person !== '' ? `${person}, ${suffix}` : person;
}

/**
 * The name of the Practitioner in `prefetch.user` when it is the request's user (`context.userId` is
 * `Practitioner/{its id}`); undefined otherwise: no such key, another resource type, someone else, no usable name.
 * Whitespace is collapsed and control characters dropped.
 */
export function prescriberName(request: {
  readonly context: { readonly userId?: unknown };
  readonly prefetch?: Readonly<Record<string, unknown>> | undefined;
}): string | undefined {
  const user = request.prefetch?.user as
    { resourceType?: unknown; id?: unknown; name?: unknown } | null | undefined;
  if (typeof user !== 'object' || user === null || user.resourceType !== 'Practitioner') return undefined;
  if (typeof user.id !== 'string' || request.context.userId !== `Practitioner/${user.id}`) return undefined;
  const names = (Array.isArray(user.name) ? user.name : []).filter(
    (n): n is HumanName => typeof n === 'object' && n !== null,
  );
  for (const use of PREFERRED_USES) {
    for (const name of names.filter((n) => n.use === use)) {
      const text = nameText(name)
        .replace(/\p{Cc}/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      if (text !== '') return text.slice(0, MAX_NAME);
    }
  }
  return undefined;
}
