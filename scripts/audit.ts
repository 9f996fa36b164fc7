/**
 * `npm run audit`: `npm audit --omit=dev --audit-level=high` as `npm test` runs it. Fails on any high or critical
 * advisory against a production dependency. When the registry's advisory service cannot be asked (no network, or a
 * registry mirror that refuses the bulk advisory endpoint, as this project's build machine does with a 405), it says
 * loudly that the dependencies were not checked and does not fail: an outage elsewhere must not block every change.
 */
import { spawnSync } from 'node:child_process';

interface AuditReport {
  readonly metadata?: { readonly vulnerabilities?: Readonly<Record<string, number>> };
  readonly vulnerabilities?: Readonly<
    Record<string, { readonly severity: string; readonly via: readonly unknown[]; readonly range?: string }>
  >;
  readonly message?: string;
  readonly error?: { readonly summary?: string };
}

/** What the audit's JSON says: the exit code and the line to print. */
export function judgeAudit(
  stdout: string,
  failure?: string,
): { readonly exitCode: 0 | 1; readonly lines: string[] } {
  let report: AuditReport | undefined;
  try {
    report = JSON.parse(stdout) as AuditReport;
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts) {
    const why = report?.message ?? report?.error?.summary ?? failure ?? 'no answer';
    return {
      exitCode: 0,
      lines: [`npm audit: NOT CHECKED. The advisory service could not be asked: ${why}`],
    };
  }
  const serious = Object.entries(report?.vulnerabilities ?? {}).filter(([, v]) =>
    ['high', 'critical'].includes(v.severity),
  );
  if (serious.length > 0) {
    return {
      exitCode: 1,
      lines: [
        `npm audit: ${serious.length} production dependencies with high or critical advisories:`,
        ...serious.map(([name, v]) => `  ${name} (${v.severity})${v.range ? ` ${v.range}` : ''}`),
      ],
    };
  }
  const found = Object.entries(counts)
    .filter(([k, n]) => k !== 'total' && n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return {
    exitCode: 0,
    lines: [
      `npm audit: no high or critical advisory in production dependencies${found.length ? ` (${found.join(', ')})` : ''}`,
    ],
  };
}

if (require.main === module) {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const { exitCode, lines } = judgeAudit(run.stdout, run.error?.message ?? (run.stderr.trim() || undefined));
  for (const line of lines)
    (exitCode === 0 && !line.includes('NOT CHECKED') ? console.log : console.error)(line);
  process.exit(exitCode);
}
