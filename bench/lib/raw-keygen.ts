import { Worker } from 'node:worker_threads'

// Plain Node: generateKeyPairSync in a loop, one loop per thread. The P1 baseline.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { generateKeyPairSync } = require('node:crypto')
parentPort.once('message', ({ deadline, keys }) => {
  let made = 0
  while (keys === undefined ? Date.now() < deadline : made < keys) {
    generateKeyPairSync('rsa', { modulusLength: workerData.bits, publicExponent: 0x10001 })
    if (keys !== undefined || Date.now() <= deadline) made++
  }
  parentPort.postMessage(made)
})
`

/**
 * RSA keys per second on `threads` threads during `seconds`; a key finished
 * after the window is not counted, as the API side does not count answers
 * that come after its window.
 */
export async function rawRsaRate (bits: number, threads: number, seconds: number): Promise<number> {
  return await run(bits, threads, { deadline: Date.now() + seconds * 1000 }, seconds)
}

/** The same rate from a number of keys instead of a window: `keys` per thread, however long they take (the smoke run's way, a busy machine cannot make it zero). */
export async function rawRsaRateOver (bits: number, threads: number, keys: number): Promise<number> {
  return await run(bits, threads, { keys })
}

async function run (bits: number, threads: number, task: { deadline?: number, keys?: number }, seconds?: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bits } }))
  await Promise.all(workers.map(worker => new Promise(resolve => worker.once('online', resolve))))
  const started = performance.now()
  const made = await Promise.all(workers.map(worker => new Promise<number>(resolve => {
    worker.once('message', resolve)
    worker.postMessage(task)
  })))
  const elapsed = seconds ?? (performance.now() - started) / 1000
  await Promise.all(workers.map(worker => worker.terminate()))
  return made.reduce((sum, count) => sum + count, 0) / elapsed
}
