// Tests run the .ts sources, production the compiled dist/: a worker sits in
// workers/ beside src/ in both layouts (rootDir "."), with the same extension
// as this file. The single executable extracts its bundled workers and says
// where they are (RuntimeAssets).
export type WorkerName = 'keygen' | 'snapshot-writer'

/** Worker modules elsewhere than beside src/: file: URLs by name. */
export type WorkerFiles = Partial<Record<WorkerName, string>>

/** The worker's file, as a file: URL. */
export const workerFile = (name: WorkerName, elsewhere: WorkerFiles = {}): URL =>
  new URL(elsewhere[name] ?? new URL(`../workers/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href)
