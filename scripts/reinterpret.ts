/**
 * `npm run reinterpret [-- --json]`: after a CPIC knowledge update (`npm run cpic:import`, then a restart), lists every
 * patient whose newest recorded genotypes current CPIC calls differently from how they were called when recorded
 * (`src/admin/reinterpret.ts`), for a pharmacist to follow up. Reads the store `DATABASE_URL` names, as the service
 * does; writes nothing. The list names patients: it is a report for the pharmacy, not a log.
 */
import { parseArgs } from 'node:util';
import { reinterpretationReport } from '../src/admin/reinterpret';
import type { ReinterpretationReport } from '../src/admin/reinterpret';
import { calendarDate, versionsInWords } from '../src/cards/text';
import { loadConfig } from '../src/config';
import type { CalledAs } from '../src/rules/cpic';
import { openStore } from '../src/store';

function knowledgeWords(version: string): string {
  return versionsInWords(version, '').knowledge;
}

function calledText(c: CalledAs): string {
  return c.activityScore === undefined ? c.phenotype : `${c.phenotype} (activity score ${c.activityScore})`;
}

/** The report as a pharmacist reads it: one line per patient, each change of each gene. */
export function reportText(report: ReinterpretationReport): string {
  const count = report.patients.length;
  const lines = [
    `${knowledgeWords(report.knowledgeVersion)}: ${String(count)} of ${String(report.patientsRead)} ${report.patientsRead === 1 ? 'patient' : 'patients'} with recorded results ${count === 1 ? 'has' : 'have'} a result called differently now.`,
  ];
  for (const p of report.patients) {
    const under =
      p.knowledgeVersion === undefined ? '' : `, called under ${knowledgeWords(p.knowledgeVersion)}`;
    const changes = p.changes.map(
      (c) => `${c.gene} ${c.genotype}: ${calledText(c.was)} → ${calledText(c.now)}`,
    );
    lines.push(
      `- ${p.patient} (newest call ${calendarDate(p.recordedAt) ?? p.recordedAt}${under}): ${changes.join('; ')}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const store = await openStore(loadConfig().databaseUrl);
  try {
    const report = await reinterpretationReport(store.invocations);
    console.log(values.json ? JSON.stringify(report, null, 2) : reportText(report));
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
