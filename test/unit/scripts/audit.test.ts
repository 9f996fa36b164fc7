/**
 * `npm run audit` (scripts/audit.ts): what it makes of npm audit's JSON report (npm 7+ `auditReportVersion` 2) and of
 * a registry that refuses the advisory endpoint.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { judgeAudit } from '../../../scripts/audit';

const highWs = readFileSync(path.join(__dirname, '../../fixtures/audit/high-ws.json'), 'utf8');

describe('npm run audit', () => {
  it('fails on a high advisory and names the package, ignoring the low one', () => {
    const { exitCode, lines } = judgeAudit(highWs);
    expect(exitCode).toBe(1);
    expect(lines.join('\n')).toMatch(/ws \(high\) 8\.0\.0 - 8\.17\.0/);
    expect(lines.join('\n')).not.toMatch(/cookie/);
  });

  it('passes a report with only low advisories, saying what it found', () => {
    const report = JSON.parse(highWs) as {
      vulnerabilities: Record<string, unknown>;
      metadata: { vulnerabilities: Record<string, number> };
    };
    delete report.vulnerabilities['ws'];
    report.metadata.vulnerabilities = { info: 0, low: 1, moderate: 0, high: 0, critical: 0, total: 1 };
    const { exitCode, lines } = judgeAudit(JSON.stringify(report));
    expect(exitCode).toBe(0);
    expect(lines).toEqual(['npm audit: no high or critical advisory in production dependencies (1 low)']);
  });

  it('says the dependencies were not checked when the registry refuses the advisory endpoint', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      method: 'POST',
      statusCode: 405,
      body: '',
    });
    const { exitCode, lines } = judgeAudit(refused);
    expect(exitCode).toBe(0);
    expect(lines[0]).toMatch(/NOT CHECKED.*405 Method Not Allowed/);
  });

  it('says the same when npm printed nothing it could read', () => {
    expect(judgeAudit('', 'spawnSync npm ETIMEDOUT').lines[0]).toMatch(/NOT CHECKED.*ETIMEDOUT/);
  });
});
