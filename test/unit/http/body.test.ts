/**
 * `screenJson` (src/http/body.ts): what a parsed body may not hold, checked without recursion; and `parseJsonBody`
 * letting go of the parsed body once the answer is done.
 */
import type { Request, Response } from 'express';
import express from 'express';
import request from 'supertest';
import { MAX_BODY_DEPTH, createBodyBudget, parseJsonBody, screenJson } from '../../../src/http/body';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { child: value };
  return value;
}

describe('screenJson', () => {
  it('passes a CDS Hooks request as real clients send it', () => {
    const body = {
      hook: 'order-sign',
      context: {
        patientId: 'smart-1288992',
        userId: 'Practitioner/1',
        draftOrders: { resourceType: 'Bundle' },
      },
      prefetch: { patient: { resourceType: 'Patient', name: [{ text: 'Zoë Ångström 李' }] } },
    };
    expect(screenJson(body)).toBeUndefined();
  });

  it('accepts nesting up to the bound and refuses one level more, however deep', () => {
    expect(screenJson(nested(MAX_BODY_DEPTH))).toBeUndefined();
    expect(screenJson(nested(MAX_BODY_DEPTH + 1))).toMatch(/nested deeper than 100/);
    expect(screenJson(nested(100_000))).toMatch(/nested deeper/); // no stack overflow
  });

  it.each([
    ['a lone high surrogate', 'ab\ud800'],
    ['a lone low surrogate', '\udc00x'],
  ])('refuses %s in a value or a key', (_name, text) => {
    expect(screenJson({ context: { patientId: text } })).toMatch(/lone surrogate/);
    expect(screenJson({ [text]: 1 })).toMatch(/property name.*lone surrogate/);
  });

  it('accepts a surrogate pair (an emoji) and tab, CR, LF', () => {
    expect(screenJson({ comment: 'ok 👍\tline\r\nnext' })).toBeUndefined();
  });

  it('refuses U+0000 anywhere', () => {
    expect(screenJson({ feedback: [{ overrideReason: { userComment: 'a\u0000b' } }] })).toMatch(/U\+0000/);
    expect(screenJson(['\u0000'])).toMatch(/U\+0000/);
  });

  it('drops own __proto__ keys and keeps the rest', () => {
    const body = JSON.parse(
      '{"a":1,"__proto__":{"polluted":true},"b":{"__proto__":{"x":1},"c":2}}',
    ) as Record<string, unknown>;
    expect(screenJson(body)).toBeUndefined();
    expect(Object.keys(body)).toEqual(['a', 'b']);
    expect(body.b).toEqual({ c: 2 });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  it('gives the handler the parsed body and lets go of it once the answer is done', async () => {
    let seen: Request | undefined;
    let bodyInHandler: unknown;
    const closed = new Promise<void>((resolve) => {
      const app = express();
      app.post(
        '/x',
        parseJsonBody(1024 * 1024, createBodyBudget(1024 * 1024)),
        (req: Request, res: Response) => {
          seen = req;
          bodyInHandler = req.body;
          res.once('close', () => {
            resolve();
          });
          res.json({ ok: true });
        },
      );
      void request(app)
        .post('/x')
        .send({ hook: 'order-sign', context: { patientId: 'p1' } })
        .expect(200)
        .then();
    });
    await closed;
    expect(bodyInHandler).toEqual({ hook: 'order-sign', context: { patientId: 'p1' } });
    expect(seen?.body).toBeUndefined();
  });
});
