import type { Test } from 'tap'

export interface Answer { status: number, json: any }

/** Requests to one project's /apiops routes over real HTTP: JSON bodies, or multipart forms as they are. */
export function apiClient (base: string, auth: { authorization: string }): (method: string, path: string, body?: FormData | object) => Promise<Answer> {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined || body instanceof FormData ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body)
    })
    return { status: response.status, json: await response.json() }
  }
}

/** Apinizer's deploy-result body, every environment a success. */
export const deploymentBody = (environments: string[], verb: 'Deployment' | 'Undeployment' = 'Deployment'): object => ({
  success: true,
  deploymentResult: {
    success: true,
    message: `${verb} completed successfully`,
    environmentResults: environments.map(environmentName => ({ environmentName, success: true, message: `${verb === 'Deployment' ? 'Deployed' : 'Undeployed'} successfully` }))
  }
})

/** A 400 in the Apinizer shape with exactly this message. */
export async function refused (t: Test, answer: Promise<Answer>, message: string): Promise<void> {
  const { status, json } = await answer
  t.equal(status, 400, message)
  t.same(json, { error: 'bad_request', error_description: message })
}
