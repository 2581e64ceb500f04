import t from 'tap'
import { addressClass, isPublicAddress } from '../../src/services/address-policy.js'

/**
 * The egress classifier as a pure function: no socket is opened, so the
 * non-loopback addresses below are data, never destinations.
 */
const CLASSES: Record<string, readonly string[]> = {
  unspecified: ['0.0.0.0', '0.1.2.3', '::'],
  loopback: ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::127.0.0.1'],
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255', '::ffff:10.1.2.3', '::ffff:c0a8:101', '2002:c0a8:101::1'],
  'link-local': ['169.254.169.254', '169.254.0.1', 'fe80::1', 'fe80::1%eth0', 'febf:ffff::1', '::ffff:169.254.169.254'],
  'shared (CGNAT)': ['100.64.0.1', '100.127.255.255'],
  'unique-local': ['fc00::1', 'fd12:3456:789a::1', 'fdff:ffff::1'],
  multicast: ['224.0.0.1', '239.255.255.255', 'ff02::1', 'ff05::fb'],
  broadcast: ['255.255.255.255'],
  documentation: ['192.0.2.1', '198.51.100.7', '203.0.113.9', '2001:db8::1', '3fff::1'],
  benchmarking: ['198.18.0.1', '198.19.255.255'],
  reserved: ['240.0.0.1', '192.0.0.8', '192.88.99.1', '::1.2.3.4', '100::1', '2001::1', '2001:0:4136:e378::1', 'fec0::1', '5f00::1'],
  public: ['1.1.1.1', '8.8.8.8', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '169.253.255.255',
    '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', 'fbff::1', 'fe7f::1']
}

t.test('every address class, in the notations a resolver or a URL parser hands over', async t => {
  for (const [expected, addresses] of Object.entries(CLASSES)) {
    for (const address of addresses) t.equal(addressClass(address), expected, address)
  }
})

t.test('only public unicast is public', async t => {
  for (const [kind, addresses] of Object.entries(CLASSES)) {
    for (const address of addresses) t.equal(isPublicAddress(address), kind === 'public', address)
  }
})

t.test('what is no IP literal is never public', async t => {
  for (const text of ['localhost', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::1]', 'example.com', '', '1.2.3.4.5', '::ffff:1.2.3']) {
    t.equal(addressClass(text), 'not an IP address', JSON.stringify(text))
    t.notOk(isPublicAddress(text))
  }
})

t.test('the URL parser turns every loopback spelling into a literal the classifier refuses', async t => {
  for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::1]', '[0:0::1]']) {
    const hostname = new URL(`http://${host}:1/`).hostname.replace(/^\[(.*)\]$/, '$1')
    t.equal(addressClass(hostname), 'loopback', `${host} → ${hostname}`)
  }
})
