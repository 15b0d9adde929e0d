/**
 * A BatchSigner on a worker thread, with node:crypto: signing is the largest share of a submission's CPU, and the
 * event loop has HTTP, checks and commits to do. The worker's code is a few lines of plain JavaScript run with
 * `eval`, so it needs no build step; it signs exactly as ed25519Node does (the same OpenSSL, the same PKCS#8 key).
 */
import { Worker } from 'node:worker_threads';
import type { BatchSigner, SigningJob } from '../crypto/batch-signer.js';
import { DetenteError } from '../crypto/errors.js';

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const keys = new Map();
function keyOf(seed) {
  const id = Buffer.from(seed).toString('base64');
  let key = keys.get(id);
  if (!key) {
    if (keys.size > 64) keys.clear();
    key = createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' });
    keys.set(id, key);
  }
  return key;
}
parentPort.on('message', ({ id, jobs }) => {
  try {
    parentPort.postMessage({ id, signatures: jobs.map((j) => new Uint8Array(sign(null, j.message, keyOf(j.seed)))) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message) });
  }
});
`;

export function workerSigner(): BatchSigner {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: (s: Uint8Array[]) => void; reject: (e: Error) => void }>();
  const failAll = (message: string) => {
    for (const w of waiting.values()) w.reject(new DetenteError('STORE_ERROR', `signing worker: ${message}`));
    waiting.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const w = new Worker(WORKER, { eval: true });
    w.on('message', (m: { id: number; signatures?: Uint8Array[]; error?: string }) => {
      const job = waiting.get(m.id);
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (!job) return;
      if (m.signatures) job.resolve(m.signatures);
      else job.reject(new DetenteError('STORE_ERROR', `signing worker: ${m.error}`));
    });
    w.on('error', (err) => failAll(err.message));
    w.on('exit', (code) => failAll(`exited with code ${code}`));
    return w;
  };
  return {
    sign(jobs: readonly SigningJob[]) {
      worker ??= start();
      // Busy, it keeps the process alive; idle, it must not.
      worker.ref();
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker!.postMessage({ id, jobs });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
