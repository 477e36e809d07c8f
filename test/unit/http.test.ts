// The shared HTTP and concurrency helpers of the generation backends, on a real server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenerationError } from '../../server/src/generation/generator';
import { request } from '../../server/src/generation/http';
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
