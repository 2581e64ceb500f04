import t from 'tap'
import { fromNumericDate, oneYearAfter, readNumericDate, toNumericDate } from '../../src/services/validity.js'

/** One rule for every key's default validity, generated or imported. */
t.test('NumericDates are whole seconds', async t => {
  t.equal(toNumericDate(new Date('2026-01-01T00:00:00.999Z')), 1_767_225_600)
  t.equal(fromNumericDate(1_767_225_600).toISOString(), '2026-01-01T00:00:00.000Z')
})

t.test('a calendar year later, leap days rolling over', async t => {
  t.equal(oneYearAfter(new Date('2026-06-30T12:34:56Z')).toISOString(), '2027-06-30T12:34:56.000Z')
  t.equal(oneYearAfter(new Date('2027-03-01T00:00:00Z')).toISOString(), '2028-03-01T00:00:00.000Z', 'a leap year ahead: 366 days')
  t.equal(oneYearAfter(new Date('2028-02-29T00:00:00Z')).toISOString(), '2029-03-01T00:00:00.000Z')
})

t.test('a foreign date is used only when it is a NumericDate the store can hold', async t => {
  t.equal(readNumericDate(1_767_225_600, 7), 1_767_225_600)
  t.equal(readNumericDate(0, 7), 0)
  t.equal(readNumericDate(253_402_300_799, 7), 253_402_300_799, 'the last second of year 9999')
  for (const bad of [253_402_300_800, -1, 1.5, '1767225600', null, undefined, Number.NaN]) t.equal(readNumericDate(bad, 7), 7, String(bad))
})
