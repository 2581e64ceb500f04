import t from 'tap'
import { PROJECT, buildTestApp, generateUrl } from '../helpers/app.js'

/** The list route: everything by default (docs/API.md, "Routes"), pages on request. */
const { app, auth } = await buildTestApp(t)
const listUrl = `/apiops/projects/${PROJECT}/jwks/`
const list = async (query = ''): Promise<{ statusCode: number, body: any }> => {
  const response = await app.inject({ method: 'GET', url: listUrl + query, headers: auth })
  return { statusCode: response.statusCode, body: response.json() }
}

const NAMES = ['delta', 'alpha', 'foxtrot', 'charlie', 'echo', 'bravo']
t.before(async () => {
  for (const name of NAMES) {
    const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: 'OCT', oct: { keySize: 256 } } })
    if (response.statusCode !== 200) throw new Error(`generating ${name}: ${response.body}`)
  }
})
const sorted = [...NAMES].sort()

t.test('without a limit: every key, by name, no cursor, no key material', async t => {
  const { statusCode, body } = await list()
  t.equal(statusCode, 200)
  t.same(body.resultList.map((item: any) => item.name), sorted)
  t.equal(body.next, undefined)
  t.notMatch(JSON.stringify(body), /"k"\s*:/, 'no secret member in a list')
})

t.test('pages follow each other by name until a short one', async t => {
  const first = await list('?limit=4')
  t.same(first.body.resultList.map((item: any) => item.name), sorted.slice(0, 4))
  t.equal(first.body.next, sorted[3], 'a full page says where the next starts')
  const second = await list(`?limit=4&after=${first.body.next}`)
  t.same(second.body.resultList.map((item: any) => item.name), sorted.slice(4))
  t.equal(second.body.next, undefined, 'a short page is the last')
  const exact = await list('?limit=3&after=charlie')
  t.same(exact.body.resultList.map((item: any) => item.name), ['delta', 'echo', 'foxtrot'])
  t.equal(exact.body.next, 'foxtrot', 'a full last page still gives a cursor…')
  t.same((await list('?limit=3&after=foxtrot')).body, { success: true, resultList: [] }, '…whose page is empty')
  t.same((await list('?after=delta')).body.resultList.map((item: any) => item.name), ['echo', 'foxtrot'], 'after alone: the rest')
})

t.test('a bad page request is a 400 in the Apinizer shape', async t => {
  for (const query of ['?limit=0', '?limit=1001', '?limit=abc', '?limit=-3', '?after=']) {
    const { statusCode, body } = await list(query)
    t.equal(statusCode, 400, query)
    t.equal(body.error, 'bad_request', query)
    t.type(body.error_description, 'string', query)
  }
})
