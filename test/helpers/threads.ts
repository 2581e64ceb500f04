import { readFileSync, readdirSync } from 'node:fs'

/** The nice values of a process's threads, from the kernel (a Linux thread's nice value is its own). */
export function threadNiceValues (pid: number | 'self' = 'self'): number[] {
  return readdirSync(`/proc/${pid}/task`).map(tid => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces; nice is field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })
}
