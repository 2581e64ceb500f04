import SwaggerParser from '@apidevtools/swagger-parser'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

/** The OpenAPI document is generated from the TypeBox schemas, valid, and complete for docs/API.md, "Routes". */
const { app } = await buildTestApp(t)
const document = (await app.inject({ method: 'GET', url: '/documentation/json' })).json()

t.test('it passes an OpenAPI validator', async t => {
  const validated = await SwaggerParser.validate(structuredClone(document))
  t.equal((validated as { openapi?: string }).openapi, '3.0.3')
})

t.test('every route of docs/API.md is documented', async t => {
  const expected: Array<[string, string]> = [
    ['post', '/apiops/projects/{projectName}/jwks/generate'],
    ['get', '/apiops/projects/{projectName}/jwks'],
    ['post', '/apiops/projects/{projectName}/jwks'],
    ['get', '/apiops/projects/{projectName}/jwks/{name}'],
    ['put', '/apiops/projects/{projectName}/jwks/{name}'],
    ['delete', '/apiops/projects/{projectName}/jwks/{name}'],
    ['get', '/apiops/projects/{projectName}/jwks/{name}/export-file'],
    ['get', '/apiops/environments'],
    ['get', '/environments/{environment}/projects/{projectName}/jwks.json'],
    ['get', '/health'],
    ['get', '/ready'],
    ['get', '/metrics'],
    ['get', '/apiops/projects/{projectName}/audit'],
    ...['parse-from-clipboard', 'parse-from-url', 'parse-from-certificate', 'parse-from-key', 'parse-from-keystore', 'import-file'].map(shortcut => ['post', `/apiops/projects/{projectName}/jwks/${shortcut}`] as [string, string]),
    ...(['certificates', 'keys', 'keystores'] as const).flatMap(family => {
      const one = `/apiops/projects/{projectName}/${family}/{${{ keys: 'keyName', certificates: 'certificateName', keystores: 'keystoreName' }[family]}}`
      return [['get', `/apiops/projects/{projectName}/${family}`], ['post', `/apiops/projects/{projectName}/${family}`], ['get', one], ['put', one], ['delete', one]] as Array<[string, string]>
    }),
    ['get', '/apiops/projects/{projectName}/certificates/{certificateName}/export'],
    ['get', '/apiops/projects/{projectName}/keys/{keyName}/export-file']
  ]
  for (const [method, path] of expected) t.ok(document.paths[path]?.[method], `${method.toUpperCase()} ${path}`)
})

t.test('generate: request schema with examples, the error shape on every failure status', async t => {
  const generate = document.paths['/apiops/projects/{projectName}/jwks/generate'].post
  const body = generate.requestBody.content['application/json'].schema
  t.same(body.required, ['name', 'type'])
  t.same(Object.keys(body.properties), ['name', 'description', 'type', 'kid', 'rsa', 'ec', 'oct', 'okp'])
  t.ok(body.properties.rsa.properties.keySize, 'per-type parameter objects are documented')
  const examples = Object.values(generate.requestBody.content['application/json'].examples) as Array<{ value: { type: string } }>
  t.same(examples.map(example => example.value.type), ['RSA', 'EC', 'OCT', 'OKP'], 'the four documented bodies are examples')
  t.equal(generate.responses['200'].content['application/json'].example.deploymentResult.message, 'Deployment completed successfully')
  for (const status of ['400', '401', '403', '404', '413', '415', '503']) {
    const schema = generate.responses[status].content['application/json'].schema
    t.same(Object.keys(schema.properties), ['error', 'error_description'], `${status} is the Apinizer error shape`)
  }
  t.same(Object.keys(generate.responses['200'].content['application/json'].schema.properties), ['success', 'deploymentResult'])
  t.same(document.paths['/health'].get.security, [], 'probes need no token')
  t.same(document.security, [{ bearer: [] }], 'everything else takes a bearer token')
})

t.test('Swagger UI is served', async t => {
  const page = await app.inject({ method: 'GET', url: '/documentation/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
})
