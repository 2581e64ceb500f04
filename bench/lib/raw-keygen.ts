import { Worker } from 'node:worker_threads'

// Plain Node: generateKeyPairSync in a loop, one loop per thread. The P1 baseline.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { generateKeyPairSync } = require('node:crypto')
parentPort.once('message', () => {
  let made = 0
  const shared = new Int32Array(workerData.counter)
  while (Atomics.add(shared, 0, 1) < workerData.amount) {
    generateKeyPairSync('rsa', { modulusLength: workerData.bits, publicExponent: 0x10001 })
    made++
  }
  parentPort.postMessage(made)
})
`

/** Generates `amount` RSA keys on `threads` threads; returns keys per second. */
export async function rawRsaRate (bits: number, threads: number, amount: number): Promise<number> {
  const counter = new SharedArrayBuffer(4)
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bits, amount, counter } }))
  await Promise.all(workers.map(worker => new Promise(resolve => worker.once('online', resolve))))
  const started = performance.now()
  const made = await Promise.all(workers.map(worker => new Promise<number>(resolve => {
    worker.once('message', resolve)
    worker.postMessage('go')
  })))
  const seconds = (performance.now() - started) / 1000
  await Promise.all(workers.map(worker => worker.terminate()))
  return made.reduce((sum, count) => sum + count, 0) / seconds
}
