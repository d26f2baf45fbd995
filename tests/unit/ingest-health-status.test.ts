import { describe, expect, it } from 'vitest'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { IngestProblems } from '@/components/views/ingest/IngestProblems'
import type { IngestHealthResponse } from '@/lib/dashboard/types'
import { IngestMetrics, overallIngestStatus, type IngestHealth } from '@/lib/ingest/health'
import type { KafkaMessage } from 'kafkajs'
import { findUndecodable } from '@/lib/ingest/kafka-undecodable'
import { UNDECODABLE_HEADER } from '@/lib/ingest/kafka-codecs'

describe('ingest health verdict', () => {
  it('is ok while the consumer runs and no partition is stuck', () => {
    const m = new IngestMetrics('kafka')
    m.setConsumer({ state: 'running' })
    expect(m.snapshot()).toMatchObject({ status: 'ok', problems: [], stuck: [] })
  })

  it('reports a stuck partition with its offset, counts tries at the same offset, and clears when it moves on', () => {
    const m = new IngestMetrics('kafka')
    const stuck = { topic: 'ev', partition: 2, offset: 40, lastOffset: 49, error: 'lz4: bad frame' }
    m.partitionStuck(stuck, 1_000)
    m.partitionStuck(stuck, 3_000)
    const s = m.snapshot()
    expect(s.status).toBe('error')
    expect(s.stuck).toEqual([{ ...stuck, since: 1_000, attempts: 2 }])
    expect(s.problems).toEqual(['ev partition 2 stuck at offset 40 (batch 40-49, 2 attempts): lz4: bad frame'])
    // A different batch further on starts over.
    m.partitionStuck({ ...stuck, offset: 50, lastOffset: 52 }, 5_000)
    expect(m.snapshot().stuck[0]).toMatchObject({ offset: 50, since: 5_000, attempts: 1 })
    m.partitionUnstuck('ev', 2)
    expect(m.snapshot().status).toBe('ok')
  })

  it('forgets a stuck partition that a rebalance gave to another member, keeps one it still has', () => {
    const m = new IngestMetrics('kafka')
    m.partitionStuck({ topic: 'ev', partition: 0, offset: 1, lastOffset: 1, error: 'x' })
    m.partitionStuck({ topic: 'ev', partition: 1, offset: 1, lastOffset: 1, error: 'x' })
    m.retainStuck({ ev: [1, 2] })
    expect(m.snapshot().stuck.map((s) => s.partition)).toEqual([1])
  })

  it('reports a consumer that is down until it runs again', () => {
    const m = new IngestMetrics('kafka')
    m.setConsumer({ state: 'restarting', restarts: 3, lastCrash: { at: 0, message: 'LZ4 compression not implemented' }, nextRestartAt: 8_000 })
    expect(m.snapshot().problems[0]).toMatch(/^Kafka consumer down since 1970-01-01T00:00:00.000Z \(LZ4 compression not implemented\); restart 3 due/)
    m.setConsumer({ state: 'running', nextRestartAt: null })
    expect(m.snapshot().status).toBe('ok')
  })

  it('is an error when any reporting process has a problem, including snapshots written before status existed', () => {
    const ok = new IngestMetrics('kafka').snapshot()
    const bad = new IngestMetrics('kafka')
    bad.partitionStuck({ topic: 'ev', partition: 0, offset: 7, lastOffset: 7, error: 'zstd: x' })
    const { status: _s, problems: _p, ...old } = bad.snapshot()
    const verdict = overallIngestStatus(ok, [{ instance_id: 'ingest-1', health: old as IngestHealth }])
    expect(verdict.status).toBe('error')
    expect(verdict.problems).toEqual(['ingest-1: ev partition 0 stuck at offset 7 (batch 7-7, 1 attempt): zstd: x'])
    expect(overallIngestStatus(ok, []).status).toBe('ok')
  })
})

describe('undecodable placeholders in a fetched batch', () => {
  const msg = (offset: number, undecodable = false): KafkaMessage =>
    ({
      offset: String(offset),
      key: null,
      value: undecodable ? null : Buffer.from('{}'),
      timestamp: '0',
      attributes: 0,
      size: 0,
      headers: undecodable ? { [UNDECODABLE_HEADER]: Buffer.from('zstd: no codec') } : {},
    }) as unknown as KafkaMessage

  it('finds the first run of placeholders and where the ordinary messages end', () => {
    expect(findUndecodable([msg(0), msg(1)])).toBeNull()
    expect(findUndecodable([msg(0), msg(1), msg(2, true), msg(3, true), msg(4)])).toEqual({ index: 2, firstOffset: 2, lastOffset: 3, reason: 'zstd: no codec' })
  })
})

describe('Ingest page', () => {
  it('shows the problems and the stuck partition with its offset', () => {
    const m = new IngestMetrics('kafka')
    m.partitionStuck({ topic: 'gateway-events', partition: 1, offset: 1234, lastOffset: 1240, error: 'snappy: corrupt input' })
    const h = m.snapshot()
    const d = { now: Date.now(), status: h.status, problems: h.problems, local: h, instances: [] } as unknown as IngestHealthResponse
    const html = renderToStaticMarkup(createElement(IngestProblems, { d, processes: [{ id: 'this app', h }] }))
    expect(html).toContain('role="alert"')
    expect(html).toContain('gateway-events partition 1 stuck at offset 1234')
    expect(html).toContain('1234–1240')
    expect(renderToStaticMarkup(createElement(IngestProblems, { d: { ...d, status: 'ok', problems: [] }, processes: [] }))).toBe('')
  })
})
