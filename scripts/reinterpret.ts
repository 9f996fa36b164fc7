/**
 * `npm run reinterpret [-- --json]`: after a CPIC knowledge update (`npm run cpic:import`, then a restart), lists every
 * patient whose newest recorded genotypes current CPIC calls differently from how they were called when recorded
 * (`src/admin/reinterpret.ts`), for a pharmacist to follow up. Reads the store `DATABASE_URL` names, as the service
 * does; writes nothing. The list names patients: it is a report for the pharmacy, not a log.
 */
import { parseArgs } from 'node:util';
import { reinterpretationReport, reportText } from '../src/admin/reinterpret';
import { loadConfig } from '../src/config';
import { openStore } from '../src/store';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const store = await openStore(loadConfig().databaseUrl);
  try {
    const report = await reinterpretationReport(store);
    console.log(values.json ? JSON.stringify(report, null, 2) : reportText(report));
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
