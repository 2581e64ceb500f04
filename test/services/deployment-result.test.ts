import t from 'tap'
import { describeDeployment } from '../../src/services/deployment-result.js'

/** The Apinizer wording of deploy results, as the documents show it. */
t.test('every environment durable', async t => {
  t.same(describeDeployment([{ environmentName: 'production' }, { environmentName: 'staging' }], 'Deployment'), {
    success: true,
    message: 'Deployment completed successfully',
    environmentResults: [
      { environmentName: 'production', success: true, message: 'Deployed successfully' },
      { environmentName: 'staging', success: true, message: 'Deployed successfully' }
    ]
  })
  t.same(describeDeployment([], 'Undeployment'), { success: true, message: 'Undeployment completed successfully', environmentResults: [] })
})

t.test('failures are named in the summary, one or several', async t => {
  const one = describeDeployment([{ environmentName: 'production' }, { environmentName: 'qa', failure: 'disk full' }], 'Undeployment')
  t.equal(one.success, false)
  t.equal(one.message, 'Undeployment failed for environment: qa')
  t.same(one.environmentResults, [
    { environmentName: 'production', success: true, message: 'Undeployed successfully' },
    { environmentName: 'qa', success: false, message: 'Undeployment failed: disk full' }
  ])
  const two = describeDeployment([{ environmentName: 'a', failure: 'x' }, { environmentName: 'b', failure: 'y' }], 'Deployment')
  t.equal(two.message, 'Deployment failed for environments: a, b')
})
