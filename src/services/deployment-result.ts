import type { EnvironmentOutcome } from '../deploy/deployer.js'
import type { DeploymentResult } from '../schemas/common.js'

export type DeploymentVerb = 'Deployment' | 'Undeployment'

/** The Apinizer wording of a deploy: one result per environment, and a summary naming the ones that failed. */
export function describeDeployment (outcomes: readonly EnvironmentOutcome[], verb: DeploymentVerb): DeploymentResult {
  const past = verb === 'Deployment' ? 'Deployed' : 'Undeployed'
  const environmentResults = outcomes.map(({ environmentName, failure }) => failure === undefined
    ? { environmentName, success: true, message: `${past} successfully` }
    : { environmentName, success: false, message: `${verb} failed: ${failure}` })
  const failed = outcomes.filter(outcome => outcome.failure !== undefined).map(outcome => outcome.environmentName)
  return {
    success: failed.length === 0,
    message: failed.length === 0
      ? `${verb} completed successfully`
      : `${verb} failed for environment${failed.length > 1 ? 's' : ''}: ${failed.join(', ')}`,
    environmentResults
  }
}
