/**
 * Discovery: `cds-services.json` at the project root is the source of truth for service ids, hooks, titles,
 * descriptions and prefetch templates. https://cds-hooks.hl7.org/2.0/#discovery
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CdsServiceDefinition, DiscoveryResponse, Extension } from './types';

/** Path of the discovery file, the same from `src/` (tests, tsx) and `dist/` (built). */
export const SERVICES_FILE = path.resolve(__dirname, '..', '..', 'cds-services.json');

/** Prefetch templates may use only the 2.0 tokens: `{{context.X}}` and the four user tokens. */
const TOKEN =
  /\{\{\s*(context\.\w+|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\s*\}\}/g;

const template = z
  .string()
  .min(1)
  .refine((t) => !t.replace(TOKEN, '').includes('{{'), 'uses a token CDS Hooks 2.0 does not define')
  .refine((t) => !/^https?:/.test(t) && !t.startsWith('/'), 'must be a relative FHIR URL');

const serviceSchema = z.strictObject({
  hook: z.enum(['patient-view', 'order-select', 'order-sign']),
  id: z.string().regex(/^[\w-]+$/, 'must be a URL-safe id'),
  title: z.string().min(1).optional(),
  description: z.string().min(1),
  prefetch: z.record(z.string().regex(/^\w+$/), template).optional(),
  usageRequirements: z.string().min(1).optional(),
  extension: z.record(z.string(), z.unknown()).optional(),
});

const fileSchema = z
  .strictObject({ services: z.array(serviceSchema) })
  .refine(
    (f) => new Set(f.services.map((s) => s.id)).size === f.services.length,
    'service ids must be unique (the CDS Hooks sandbox keys services by id)',
  );

/** Reads and validates the discovery file; throws naming the problem. */
export function loadServiceDefinitions(file: string = SERVICES_FILE): CdsServiceDefinition[] {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data.services as CdsServiceDefinition[];
}

/** The discovery body, with our version facts as a namespaced extension on each service. */
export function discoveryResponse(
  services: readonly CdsServiceDefinition[],
  extension: Extension,
): DiscoveryResponse {
  return { services: services.map((s) => ({ ...s, extension: { ...s.extension, ...extension } })) };
}
