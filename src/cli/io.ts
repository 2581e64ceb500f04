/** Where a CLI command writes: stdout for values, stderr for everything else. */
export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

export const processIo: CliIo = {
  out: line => process.stdout.write(line + '\n'),
  err: line => process.stderr.write(line + '\n')
}

/** A failure the user can fix; its message is all they see. */
export class CliError extends Error {
  constructor (message: string, readonly exitCode = 1) {
    super(message)
    this.name = 'CliError'
  }
}

export const usageError = (message: string): CliError => new CliError(message, 2)
