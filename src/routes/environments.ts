import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** GET /apiops/environments/: any valid token may see where keys are deployed. */
const environmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/environments', { schema: { tags: ['Environments'], summary: 'List environments' } }, async () => {
    const resultList = await app.environments.list()
    return { success: true, resultList, resultCount: resultList.length }
  })
}

export default environmentRoutes
