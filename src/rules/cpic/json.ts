/**
 * Narrowing helpers for FHIR JSON that arrives as `unknown` (DESIGN.md convention 4).
 */

export type Json = Readonly<Record<string, unknown>>;

/** The value as a JSON object, or undefined for anything else (null, arrays, primitives). */
export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The value as an array, or an empty one. */
export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A string with non-blank content, trimmed, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}
