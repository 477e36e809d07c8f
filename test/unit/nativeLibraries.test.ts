// The packaged extension's onnxruntime library ships brotli-compressed and is unpacked beside its binding on the
// first run; an existing library is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { unpackNativeLibraries } from '../../server/src/lsp/nativeLibraries';

test('unpacks each compressed library once, beside itself, and leaves present ones alone', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wabi-native-'));
  try {
    const bin = path.join(dir, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(dir, 'onnxruntime-node', 'package.json'), '{"name":"onnxruntime-node"}');
    const library = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
    fs.writeFileSync(path.join(bin, 'libonnxruntime.so.1.br'), brotliCompressSync(library));
    fs.writeFileSync(path.join(bin, 'other.so.br'), brotliCompressSync(Buffer.from('new')));
    fs.writeFileSync(path.join(bin, 'other.so'), 'kept');
    const written = unpackNativeLibraries(() => path.join(dir, 'onnxruntime-node', 'package.json'));
    assert.deepEqual(written, [path.join(bin, 'libonnxruntime.so.1')]);
    assert.ok(fs.readFileSync(path.join(bin, 'libonnxruntime.so.1')).equals(library));
    assert.equal(fs.readFileSync(path.join(bin, 'other.so'), 'utf8'), 'kept');
    assert.deepEqual(fs.readdirSync(bin).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
