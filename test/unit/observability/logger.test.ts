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

  it('names a thrown non-Error by its typeof only', () => {
    expect(errorForLog(`Patient/${PATIENT_ID}`)).toEqual({ type: 'string' });
    expect(errorForLog({ patientId: PATIENT_ID })).toEqual({ type: 'object' });
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
