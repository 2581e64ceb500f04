/**
 * The environment for a process a test starts: this one's, minus tap's
 * coverage hooks. Coverage comes from the test processes themselves; merged
 * with what other processes report for the same files through other loaders
 * (tsx, the compiled dist/), it came out different from run to run.
 */
export function childEnv (extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'NODE_V8_COVERAGE' || name.startsWith('_TAPJS_PROCESSINFO')) continue
    env[name] = value
  }
  return { ...env, ...extra }
}
