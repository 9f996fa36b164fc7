/**
 * Narrowing helpers for FHIR JSON that arrives as `unknown` (prefetch values may be null, an OperationOutcome, junk).
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The resources in a list that may hold resources, Bundles (searchset/collection) and junk; `skipped` counts the
 * items that are not FHIR resources.
 */
export function flattenResources(items: readonly unknown[]): { resources: JsonObject[]; skipped: number } {
  const resources: JsonObject[] = [];
  let skipped = 0;
  for (const item of items) {
    const resource = asObject(item);
    if (resource?.resourceType === 'Bundle') {
      const inner = flattenResources(asArray(resource.entry).map((entry) => asObject(entry)?.resource));
      for (const r of inner.resources) resources.push(r);
      skipped += inner.skipped;
    } else if (resource !== undefined && typeof resource.resourceType === 'string') {
      resources.push(resource);
    } else {
      skipped += 1;
    }
  }
  return { resources, skipped };
}

/** `<resourceType>/<id>` or, without an id, its position. */
export function describeResource(resource: JsonObject, index: number): string {
  const id = asString(resource.id);
  return id === undefined ? `resources[${index}]` : `${String(resource.resourceType)}/${id}`;
}
