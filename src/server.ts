import { startFailure, startServer } from './start-server.js'

startServer().catch((err: unknown) => {
  process.stderr.write(startFailure(err))
  process.exit(1)
})
