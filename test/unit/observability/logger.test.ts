import { Writable } from 'node:stream';
import { createLogger, errorForLog } from '../../../src/observability/logger';

const PATIENT_ID = 'pt-log-rule-5e21c7';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

describe('errorForLog', () => {
  it('keeps the type and the stack frames, never the message', () => {
    const err = new TypeError(`no PGx result for Patient/${PATIENT_ID}`);
    const logged = errorForLog(err);
    expect(logged.type).toBe('TypeError');
    expect(logged.stack).toMatch(/^\s+at /);
    expect(logged.stack?.split('\n').every((line) => /^\s+at /.test(line))).toBe(true);
    expect(JSON.stringify(logged)).not.toContain(PATIENT_ID);
  });

  it('drops a message spread over several lines, even one that looks like a stack frame', () => {
    const err = new Error(`lookup failed\n    at Patient/${PATIENT_ID}\nretry`);
    expect(JSON.stringify(errorForLog(err))).not.toContain(PATIENT_ID);
    expect(errorForLog(err).stack).toMatch(/logger\.test\.ts/);
  });

  it('names a thrown non-Error by its typeof, never by a value it holds', () => {
    expect(errorForLog(`Patient/${PATIENT_ID}`)).toEqual({ type: 'string' });
    expect(errorForLog({ patientId: PATIENT_ID })).toEqual({ type: 'object' });
    expect(errorForLog({ name: `Patient/${PATIENT_ID}` })).toEqual({ type: 'object' });
  });

  it('names a thrown object by its name or class, not "Object"', () => {
    expect(errorForLog({ name: 'AbortError', code: 'ABORT_ERR' })).toEqual({
      type: 'AbortError',
      code: 'ABORT_ERR',
    });
    class PgNotice {
      readonly severity = 'ERROR';
    }
    expect(errorForLog(new PgNotice())).toEqual({ type: 'PgNotice' });
  });

  it('names an Error subclass that keeps the generic name by its class, with its code', () => {
    class DatabaseError extends Error {
      readonly code = '57P01';
    }
    const logged = errorForLog(new DatabaseError(`terminating connection for Patient/${PATIENT_ID}`));
    expect(logged).toMatchObject({ type: 'DatabaseError', code: '57P01' });
    expect(JSON.stringify(logged)).not.toContain(PATIENT_ID);
    const sys = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(errorForLog(sys)).toMatchObject({ type: 'Error', code: 'ECONNREFUSED' });
    expect(errorForLog(Object.assign(new Error('x'), { code: PATIENT_ID }))).not.toHaveProperty('code');
  });

  it('reaches the log as type and frames only', () => {
    const sink = capture();
    const logger = createLogger('info', sink.stream);
    logger.error({ err: errorForLog(new RangeError(`bad dose for ${PATIENT_ID}`)) }, 'unhandled error');
    const line = JSON.parse(sink.text()) as { err: { type: string; stack: string; message?: unknown } };
    expect(line.err.type).toBe('RangeError');
    expect(line.err.stack).toMatch(/^\s+at /);
    expect(line.err.message).toBeUndefined();
    expect(sink.text()).not.toContain(PATIENT_ID);
  });
});
