// The shared HTTP and concurrency helpers of the generation backends, on a real server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenerationError } from '../../server/src/generation/generator';
import { request } from '../../server/src/generation/http';
import { redactSecrets } from '../../server/src/generation/redact';
import { Limiter } from '../../server/src/generation/limiter';

const POLICY = { timeoutMs: 1000, retries: 2, backoffMs: 10 };

async function withServer(handler: http.RequestListener, run: (base: string, hits: () => number) => Promise<void>): Promise<void> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => count);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('FastAPI details and OpenAI error messages reach the error text; 4xx is not retried', async () => {
  await withServer(
    (req, res) => {
      res.writeHead(req.url === '/a' ? 404 : 422, { 'content-type': 'application/json' });
      res.end(
        req.url === '/a'
          ? JSON.stringify({ error: 'HTTPException', detail: 'Sampler not found' })
          : JSON.stringify({ detail: [{ loc: ['body', 'steps'], msg: 'value is not a valid integer' }] }),
      );
    },
    async (base, hits) => {
      await assert.rejects(request('a1111', `${base}/a`, { method: 'POST' }, POLICY), /answered 404: Sampler not found$/);
      await assert.rejects(request('a1111', `${base}/b`, { method: 'POST' }, POLICY), /answered 422: steps: value is not a valid integer$/);
      assert.equal(hits(), 2);
    },
  );
});

test('5xx is retried with backoff and the body of the last answer is kept', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(503);
      res.end('{"error": {"message": "model loading"}}');
    },
    async (base, hits) => {
      await assert.rejects(request('x', `${base}/`, {}, POLICY), (e: unknown) => {
        assert.ok(e instanceof GenerationError);
        assert.match(e.message, /^x: GET .* answered 503: model loading \(after 3 attempts\)$/);
        assert.equal(e.status, 503);
        assert.match(e.body ?? '', /model loading/);
        return true;
      });
      assert.equal(hits(), 3);
    },
  );
});

test('a URL with credentials fails once, and the credentials never appear in the message', async () => {
  await withServer(
    (_req, res) => res.end('ok'),
    async (base, hits) => {
      const url = base.replace('http://', 'http://user:hunter2@') + '/x';
      await assert.rejects(request('x', url, {}, POLICY), (e: unknown) => {
        assert.ok(e instanceof GenerationError);
        assert.ok(!e.message.includes('hunter2'), e.message);
        assert.equal(e.retryable, false);
        return true;
      });
      assert.equal(hits(), 0);
    },
  );
});

test('cancelling during a backoff names the backend', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(500);
      res.end();
    },
    async (base) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(request('comfyui', `${base}/`, {}, { timeoutMs: 1000, retries: 5, backoffMs: 5000 }, controller.signal), /^Error: comfyui: cancelled$|comfyui: cancelled/);
    },
  );
});

test('the limiter never runs more than its limit, and a waiting task cancelled never runs', async () => {
  const limiter = new Limiter(2);
  let active = 0;
  let peak = 0;
  const task = async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
  };
  await Promise.all(Array.from({ length: 7 }, () => limiter.run(task)));
  assert.equal(peak, 2);
  const controller = new AbortController();
  let ran = false;
  const blockers = [limiter.run(task), limiter.run(task)];
  const waiting = limiter.run(
    async () => {
      ran = true;
    },
    controller.signal,
    () => new GenerationError('x', 'cancelled'),
  );
  controller.abort();
  await assert.rejects(waiting, /x: cancelled/);
  await Promise.all(blockers);
  assert.equal(ran, false);
});

test('one redaction masks every credential form in a text', () => {
  const basic = Buffer.from('alice:hunter2pass').toString('base64');
  const cases: Array<[string, string]> = [
    ['POST http://alice:hunter2pass@127.0.0.1:18105/sdapi/v1/txt2img failed', 'POST http://[redacted]@127.0.0.1:18105/sdapi/v1/txt2img failed'],
    ['ws://bob@example.com/ws?clientId=1', 'ws://[redacted]@example.com/ws?clientId=1'],
    [`got Authorization: Basic ${basic} here`, 'got Authorization: Basic [redacted] here'],
    [`{"detail": "bad header 'Basic ${basic}'"}`, `{"detail": "bad header 'Basic [redacted]'"}`],
    ['Authorization: Bearer sk-live-0123456789abcdef', 'Authorization: Bearer [redacted]'],
    ['bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.abc', 'bearer [redacted]'],
    ['x-api-key: 0123456789abcdef', 'x-api-key: [redacted]'],
    ['GET /v1/x?api-key=qs-secret-1&size=2&token=tok-2&key=k3&access_token=a4&api_key=a5', 'GET /v1/x?api-key=[redacted]&size=2&token=[redacted]&key=[redacted]&access_token=[redacted]&api_key=[redacted]'],
    ['{"api_key": "abc123", "apiKey": "d\\"ef", "password":"p", "token": "t", "n": 1}', '{"api_key": "[redacted]", "apiKey": "[redacted]", "password":"[redacted]", "token": "[redacted]", "n": 1}'],
    ['usage: --api-key sk-abcdefghijklmnopqrst --token=xyz --password "a b"', 'usage: --api-key [redacted] --token=[redacted] --password [redacted]'],
    ['Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX.', 'Incorrect API key provided: [redacted].'],
    ['hf_abcdefghijklmnopqrstuvwxyz0123 and r8_abcdefghijklmnopqrstuvwxyz0123', '[redacted] and [redacted]'],
  ];
  for (const [text, expected] of cases) assert.equal(redactSecrets(text), expected, text);
  // Prose that only looks like the start of a credential stays as it is.
  for (const prose of [
    'Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).',
    'Basic settings are fine; the basic idea holds.',
    'Incorrect API key provided: sk-li*****************9876.',
    'see https://platform.openai.com/account/api-keys and mail me@example.com',
    'node 3 (KSampler) input seed: value 7 is not a key',
  ]) {
    assert.equal(redactSecrets(prose), prose);
  }
  // Known secrets are masked wherever they appear, longest first, and masking twice changes nothing.
  assert.equal(redactSecrets('user alice, pass hunter2pass, both alice:hunter2pass', ['hunter2pass', 'alice:hunter2pass']), 'user alice, pass [redacted], both [redacted]');
  const once = redactSecrets(cases.map((c) => c[0]).join('\n'));
  assert.equal(redactSecrets(once), once);
});

test('errors from a request never carry its credentials: echoed headers, query keys, bodies, retried 5xx', async () => {
  const basic = Buffer.from('alice:hunter2pass').toString('base64');
  const secrets = ['hunter2pass', basic, 'qs-secret-123', 'tok-secret-456', 'sk-live-0123456789abcdefXYZ', 'Bearer sk-'];
  // A careless server: its errors repeat the request's headers, URL and a JSON body naming the key.
  await withServer(
    (req, res) => {
      const status = req.url!.startsWith('/busy') ? 503 : 401;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: `denied ${req.method} ${req.url} with ${req.headers.authorization ?? req.headers['x-api-key']} (${Buffer.from(String(req.headers.authorization).split(' ')[1] ?? '', 'base64').toString()})`, api_key: 'sk-live-0123456789abcdefXYZ' }));
    },
    async (base) => {
      const clean = (e: unknown) => {
        assert.ok(e instanceof GenerationError);
        for (const text of [e.message, e.reason, e.body ?? '', e.stack ?? '', JSON.stringify(e)]) {
          for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} in ${text}`);
        }
        assert.match(e.message, /\[redacted\]/);
        return true;
      };
      const query = '?api-key=qs-secret-123&token=tok-secret-456&size=1';
      await assert.rejects(request('a1111', `${base}/x${query}`, { headers: { authorization: `Basic ${basic}` } }, POLICY), clean);
      await assert.rejects(request('openai', `${base}/busy${query}`, { headers: { authorization: 'Bearer sk-live-0123456789abcdefXYZ' } }, POLICY), clean);
      // A key the server echoes in a form no pattern knows is still masked: it was in the request.
      await assert.rejects(
        request('x', `${base}/x`, { headers: { 'x-api-key': 'plainkey77' } }, POLICY),
        (e: unknown) => e instanceof GenerationError && !e.message.includes('plainkey77') && !(e.body ?? '').includes('plainkey77'),
      );
    },
  );
});
