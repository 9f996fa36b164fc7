/**
 * The demo: synthetic patients (`demo/`, written by `npm run demo:generate`) served read-only at `/demo/fhir`, and
 * the same data as an in-process FHIR fetcher for CDS calls that name this endpoint as their `fhirServer`.
 */
export { DEMO_DIR, daysSince, loadDemoData, shiftDate, shiftDates } from './data';
export type { DemoData, DemoIndex, DemoIndexEntry } from './data';
export { createDemoFetcher } from './fetcher';
export { createDemoFhirRouter } from './routes';
export { DEFAULT_COUNT, MAX_COUNT, SEARCHABLE, searchDemo } from './search';

/** Where the endpoint is mounted. */
export const DEMO_FHIR_PATH = '/demo/fhir';
