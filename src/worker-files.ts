// Tests run the .ts sources, production the compiled dist/: a worker sits in
// workers/ beside src/ in both layouts (rootDir "."), with the same extension
// as this file. The single executable extracts its bundled workers and says
// where they are.
export type WorkerName = 'keygen' | 'snapshot-writer'

const overrides = new Map<WorkerName, string>()

export function useWorkerFile (name: WorkerName, url: string): void {
  overrides.set(name, url)
}

/** The worker's file, as a file: URL. */
export const workerFile = (name: WorkerName): URL =>
  new URL(overrides.get(name) ?? new URL(`../workers/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href)
