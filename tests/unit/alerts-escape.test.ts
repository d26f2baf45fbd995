import { describe, expect, it } from 'vitest'
import { plainText, slackText } from '../../lib/alerts/escape'
import { assignIncidents } from '../../lib/alerts/incidents'
import { DEFAULT_ALERT_POLICY, reconcile } from '../../lib/alerts/lifecycle'
import { pagerDutyEvent } from '../../lib/alerts/pagerduty'
import { slackPayload } from '../../lib/alerts/webhooks'
import { costFindings } from '../../lib/detection/detect-all'
import type { CostAnomalyRow } from '../../lib/detection/types'

const HOSTILE = '<!channel> <https://x.test|Open in Burnrate>'

/** Every <…> in a Slack mrkdwn string: the only one allowed is our own link. */
const angleTokens = (s: string) => s.match(/<[^>]*>/g) ?? []

describe('Slack mrkdwn escaping', () => {
  it('turns mentions and links into inert text', () => {
    const s = slackText(HOSTILE)
    expect(s).not.toMatch(/[<>]/)
    expect(s).toContain('&lt;!channel&gt;')
    expect(s).not.toContain('https://')
    expect(slackText('<@U123> & <!here> @channel *bold* `code` www.x.test')).toBe(
      '&lt;@\u200bU123&gt; &amp; &lt;!here&gt; @\u200bchannel \u200b*\u200bbold\u200b*\u200b \u200b`\u200bcode\u200b`\u200b www\u200b.x.test',
    )
  })

  it('caps length and strips control characters', () => {
    expect(plainText('a\u0000b\u202ec\n\nd', 100)).toBe('abc d')
    expect(plainText('x'.repeat(2000), 1024)).toHaveLength(1024)
  })
})

describe('an app_version of <!channel> <https://x.test|Open in Burnrate>', () => {
  // The cost detector builds its title from the label; stored as sent, escaped at the notification boundary.
  const row = {
    kind: 'cost_per_request',
    subject: `acme/chat/${HOSTILE}`,
    subject_kind: 'feature',
    tenant_id: 'acme',
    feature: 'chat',
    model: 'm',
    app_version: HOSTILE,
    score: 95,
    severity: 'critical',
    reasons: [`app_version ${HOSTILE} costs 3x`],
    current: 3,
    expected: 1,
    ratio: 3,
    z: 9,
    requests: 100,
    cost_micros: 1,
    baseline: { kind: 'none', median: 1, mad: 0, samples: 0, description: '' },
    series: [],
  } as unknown as CostAnomalyRow
  const alerts = reconcile([], costFindings([row]), 0, DEFAULT_ALERT_POLICY).upserts
  const [n] = assignIncidents([], alerts, new Set(alerts.map((a) => a.id)), 0).notifications

  it('is stored unchanged in the alert title', () => {
    expect(alerts[0].title).toContain(HOSTILE)
  })

  it('reaches the Slack payload escaped: no ping, no link but ours', () => {
    const body = slackPayload(n, 'https://burnrate.example.com')
    const texts = JSON.stringify([body.text, body.blocks])
    expect(texts).toContain('&lt;!channel&gt;')
    const tokens = angleTokens(texts)
    expect(tokens).toHaveLength(1)
    expect(tokens.filter((t) => !t.startsWith('<https://burnrate.example.com/alerts?incident='))).toEqual([])
    expect(texts).not.toContain('https://x.test')
  })

  it('reaches PagerDuty as capped plain text', () => {
    const ev = pagerDutyEvent(n, 'rk', '') as { payload: { summary: string; custom_details: { alerts: string[] } } }
    expect(ev.payload.summary.length).toBeLessThanOrEqual(1024)
    expect(ev.payload.summary).toContain('<!channel>')
    expect(ev.payload.custom_details.alerts[0].length).toBeLessThanOrEqual(256)
  })
})

describe('pages render client text as React text', () => {
  it('use no dangerouslySetInnerHTML and no markdown renderer, except the static theme boot script', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs')
    const { join } = await import('node:path')
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        if (statSync(p).isDirectory()) walk(p)
        else if (/\.tsx?$/.test(name)) files.push(p)
      }
    }
    walk('components')
    walk('app')
    const raw = files.filter((f) => readFileSync(f, 'utf8').includes('dangerouslySetInnerHTML'))
    expect(raw).toEqual([join('app', 'layout.tsx')])
    expect(readFileSync(join('app', 'layout.tsx'), 'utf8')).toMatch(/dangerouslySetInnerHTML=\{\{ __html: themeBootScript \}\}/)
    expect(files.filter((f) => /from ['"](react-markdown|marked|markdown-it|remark)/.test(readFileSync(f, 'utf8')))).toEqual([])
  })
})
