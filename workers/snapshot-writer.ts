// A piscina worker that commits deploy batches to the environments' snapshot
// databases, so their fsyncs block this thread and not the event loop. It
// imports the snapshot store and nothing else: no Fastify, no master key.
// One thread (see SnapshotWriter): its connections stay open between batches.
import { workerData } from 'node:worker_threads'
import { OpenEnvironments } from '../src/deploy/open-environments.js'
import type { WriteBatch, WriteOutcome, WriterData } from '../src/deploy/writer-messages.js'
import { loadSqliteBinding } from '../src/store/database.js'

const { dataDir, sqlitePath } = workerData as WriterData

const environments = new OpenEnvironments(dataDir, { sqlite: sqlitePath === undefined ? undefined : loadSqliteBinding(sqlitePath) })

export default async function writeBatch (batch: WriteBatch): Promise<WriteOutcome> {
  environments.retain(batch.environments)
  const outcome: WriteOutcome = { failures: [] }
  for (const environment of batch.environments) {
    try {
      (await environments.get(environment)).apply(batch.changes)
    } catch (err) {
      outcome.failures.push({ environment: environment.name, message: (err as Error).message })
    }
  }
  return outcome
}
