/**
 * Rows of either database to records: each owner with its copies, in the
 * order the copy rows came (by environment name).
 */
export function withCopies<Row extends { id: string }, CopyRow, Copy, R> (
  owners: Row[],
  copyRows: CopyRow[],
  copy: { ownerOf: (row: CopyRow) => string, toCopy: (row: CopyRow) => Copy },
  toRecord: (row: Row, copies: Copy[]) => R
): R[] {
  const byOwner = new Map<string, Copy[]>(owners.map(row => [row.id, []]))
  for (const row of copyRows) byOwner.get(copy.ownerOf(row))?.push(copy.toCopy(row))
  return owners.map(row => toRecord(row, byOwner.get(row.id) ?? []))
}
