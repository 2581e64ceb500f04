const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 }

/** `90d`, `12h`, `30m`, `45s`, `2w`, `1y` → milliseconds; undefined when it is not such a text. */
export function parseDuration (text: string): number | undefined {
  const match = /^(\d{1,6})([smhdwy])$/.exec(text.trim())
  if (match === null) return undefined
  const amount = Number(match[1])
  return amount > 0 ? amount * (UNITS[match[2] as string] as number) * 1000 : undefined
}
