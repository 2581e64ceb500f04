/** Small statistics for repeated measurements. */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export interface Summary {
  median: number
  min: number
  max: number
  samples: number[]
}

export const summarize = (samples: number[]): Summary => ({
  median: median(samples),
  min: Math.min(...samples),
  max: Math.max(...samples),
  samples
})

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))
