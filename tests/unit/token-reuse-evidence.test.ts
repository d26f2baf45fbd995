import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { TokenReuseEvidence } from '@/components/views/alerts/TokenReuseEvidence'
import type { TokenReuseRow } from '@/lib/detection/types'

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0)
const row: TokenReuseRow = {
  tenant_id: 't',
  install_id: 'i-1',
  score: 80,
  severity: 'warning',
  reasons: [],
  events: 40,
  cost_micros: 0,
  switches: 7,
  overlaps: 5,
  fast_country_changes: 3,
  first_overlap_at: T0 + 120_000,
  concurrent_uses: 2,
  first_concurrent_at: T0 + 90_000,
  quick_switches: 9,
  quick_switches_expected: 1.25,
  networks: [
    { asn: 9009, country: 'RO', ip_prefixes: ['185.120.4.0/24'], events: 20, first: T0 + 60_000, last: T0 + 600_000 },
    { asn: 7922, country: 'US', ip_prefixes: ['73.12.9.0/24'], events: 20, first: T0, last: T0 + 900_000 },
  ],
}

describe('token reuse evidence view', () => {
  it('lists every network the token was seen from, oldest first, with overlaps and impossible travel', () => {
    const html = renderToStaticMarkup(createElement(TokenReuseEvidence, { row })).replace(/<!-- -->/g, '')
    expect(html).toContain('AS7922')
    expect(html.indexOf('AS7922')).toBeLessThan(html.indexOf('AS9009'))
    expect(html).toContain('185.120.4.0/24')
    expect(html).toContain('5 requests started while one from another network was open')
    expect(html).toContain('3 country changes under 30 min apart')
    expect(html).toContain('2 requests from a network already in use started while another country')
    expect(html).toContain('+1 min 0 s')
    expect(html).toContain('9 in the last hour less than 10 s after a request from the other network')
    expect(html).toContain('would make about 1.3')
  })

  it('renders client-sent text as text: markup in a prefix or country is escaped, never a tag or link', () => {
    const hostile = {
      ...row,
      networks: [{ ...row.networks[0], country: '<b>x</b>', ip_prefixes: ['<img src=x onerror=alert(1)>', '<https://x.test|Open in Burnrate>'] }],
    }
    const html = renderToStaticMarkup(createElement(TokenReuseEvidence, { row: hostile }))
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<b>')
    expect(html).not.toContain('<https://')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toMatch(/<a\s/)
  })

  it('shows each device, model escaped as text, when two phones used the token on one network', () => {
    const net = { asn: 2856, country: 'GB', ip_prefixes: ['81.2.69.0/24'], events: 10, first: T0, last: T0 + 600_000 }
    const twoPhones = {
      ...row,
      networks: [
        { ...net, device: 'a1b2c3d4e5f60718', device_model: 'Pixel 8' },
        { ...net, first: T0 + 60_000, device: '9f86d081884c7d65', device_model: '<img src=x>' },
      ],
    }
    const html = renderToStaticMarkup(createElement(TokenReuseEvidence, { row: twoPhones })).replace(/<!-- -->/g, '')
    expect(html).toContain('<th>Device</th>')
    expect(html).toContain('Pixel 8')
    expect(html).toContain('9f86d081884c7d65')
    expect(html).toContain('&lt;img src=x&gt;')
    expect(html).toContain('two phones used it')
    expect(renderToStaticMarkup(createElement(TokenReuseEvidence, { row }))).not.toContain('<th>Device</th>')
  })

  it('survives evidence of another shape (an older alert) without throwing', () => {
    const html = renderToStaticMarkup(createElement(TokenReuseEvidence, { row: { networks: 'nope' } as unknown as TokenReuseRow }))
    expect(html).toContain('No networks in the evidence.')
  })
})
