import { Worker } from 'node:worker_threads'

// Plain Node: generateKeyPairSync in a loop, one loop per thread. The P1 baseline.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { generateKeyPairSync } = require('node:crypto')
parentPort.once('message', (deadline) => {
  let made = 0
  while (Date.now() < deadline) {
    generateKeyPairSync('rsa', { modulusLength: workerData.bits, publicExponent: 0x10001 })
    if (Date.now() <= deadline) made++
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
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bits } }))
  await Promise.all(workers.map(worker => new Promise(resolve => worker.once('online', resolve))))
  const deadline = Date.now() + seconds * 1000
  const made = await Promise.all(workers.map(worker => new Promise<number>(resolve => {
    worker.once('message', resolve)
    worker.postMessage(deadline)
  })))
  await Promise.all(workers.map(worker => worker.terminate()))
  return made.reduce((sum, count) => sum + count, 0) / seconds
}
