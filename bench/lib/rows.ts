import { round, summarize } from './stats.js'
import type { Row } from './types.js'

/** A "jwkd ÷ bare route, at least `target`" row from one pair of request rates per repeat. */
export function rateRatioRow (scenario: string, target: number, rates: Array<{ jwkd: number, bare: number }>): Row {
  const measured = summarize(rates.map(({ jwkd, bare }) => jwkd / bare))
  return {
    scenario,
    measured,
    target: `≥ ${target}`,
    met: measured.median >= target,
    detail: `req/s jwkd/bare per repeat: ${rates.map(({ jwkd, bare }) => `${round(jwkd, 0)}/${round(bare, 0)}`).join(', ')}`
  }
}
