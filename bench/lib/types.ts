import type { Summary } from './stats.js'

export interface BenchOptions {
  /** a quick pass that proves the bench code runs and produces figures, not that they are good */
  smoke: boolean
  /** keygen threads (heavy lane) for jwkd and for the raw baseline */
  threads: number
}

export interface Row {
  scenario: string
  measured: Summary
  target: string
  met: boolean
  /** the absolute figures behind the ratio, for the record */
  detail: string
}
