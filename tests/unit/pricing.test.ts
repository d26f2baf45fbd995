import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PriceBook } from '../../lib/pricing/cost'
import { priceNameCandidates } from '../../lib/pricing/model-names'
import { catalogWith, configuredCatalog, parsePriceFile } from '../../lib/pricing/price-file'

const book = new PriceBook([
  { model: 'm', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000 },
  { model: 'm', effectiveFrom: '2026-06-01', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 5_000_000 },
])

describe('PriceBook', () => {
  it('costs in integer micro-dollars', () => {
    // 1000 in × $3/M + 200 out × $15/M = $0.003 + $0.003 = 6000 µ$
    expect(book.costMicros('m', Date.parse('2026-03-01T00:00:00Z'), 1000, 200)).toBe(6000)
  })
  it('applies a price change from its effective date on', () => {
    expect(book.costMicros('m', Date.parse('2026-05-31T23:59:59Z'), 1_000_000, 0)).toBe(3_000_000)
    expect(book.costMicros('m', Date.parse('2026-06-01T00:00:00Z'), 1_000_000, 0)).toBe(1_000_000)
  })
  it('has no price before the first entry or for unknown models', () => {
    expect(book.costMicros('m', Date.parse('2025-12-31T00:00:00Z'), 10, 10)).toBeNull()
    expect(book.costMicros('other', Date.now(), 10, 10)).toBeNull()
  })
  it('stays exact at the largest token counts', () => {
    const cost = book.costMicros('m', Date.parse('2026-03-01T00:00:00Z'), 10_000_000, 10_000_000)
    expect(cost).toBe(180_000_000)
    expect(Number.isInteger(cost)).toBe(true)
  })
})

describe('model names as gateways report them', () => {
  const catalog = new PriceBook()
  const at = Date.parse('2026-06-01T00:00:00Z')
  const gpt4o = catalog.costMicros('gpt-4o', at, 1_000_000, 0)

  it('prices a snapshot, a provider path, a vendor prefix or an alias suffix as its family', () => {
    expect(gpt4o).toBe(2_500_000)
    for (const name of ['gpt-4o-2024-08-06', 'openai/gpt-4o', 'GPT-4o', 'gpt-4o-latest', 'azure/openai/gpt-4o-2024-11-20'])
      expect(catalog.costMicros(name, at, 1_000_000, 0), name).toBe(gpt4o)
    const sonnet = catalog.costMicros('claude-3-5-sonnet', at, 0, 1_000_000)
    expect(sonnet).toBe(15_000_000)
    for (const name of [
      'claude-3-5-sonnet-20241022',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'claude-3-5-sonnet-v2@20241022',
      'anthropic/claude-3-5-sonnet-latest',
    ])
      expect(catalog.costMicros(name, at, 0, 1_000_000), name).toBe(sonnet)
    expect(catalog.costMicros('claude-sonnet-4-20250514', at, 1_000_000, 0)).toBe(3_000_000)
    expect(catalog.costMicros('models/gemini-2.0-flash-001', at, 1_000_000, 0)).toBe(100_000)
    expect(catalog.costMicros('gemini-2.5-pro-preview-05-06', at, 1_000_000, 0)).toBe(1_250_000)
    expect(catalog.costMicros('mistral-large-2411', at, 1_000_000, 0)).toBe(2_000_000)
    expect(catalog.costMicros('gpt-4-0613', at, 1_000_000, 0)).toBe(30_000_000)
  })

  it('keeps a snapshot the catalog lists under its own name at its own price', () => {
    // gpt-4-1106-preview is GPT-4 Turbo ($10), not GPT-4 ($30): stripping its suffixes would price it 3x.
    expect(catalog.costMicros('gpt-4-1106-preview', at, 1_000_000, 0)).toBe(10_000_000)
    expect(catalog.costMicros('gpt-4o-mini-2024-07-18', at, 1_000_000, 0)).toBe(150_000)
  })

  it('does not guess a different model', () => {
    expect(catalog.costMicros('gpt-4o-mini-realtime', at, 10, 10)).toBeNull()
    expect(catalog.costMicros('in-house-llm', at, 10, 10)).toBeNull()
    expect(priceNameCandidates('gpt-4o-mini-2024-07-18')).toEqual(['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'])
  })

  it('stays exact above 2^53 micro-dollar-tokens', () => {
    const dear = new PriceBook([{ model: 'x', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 600_000_000, outputMicrosPerMTok: 600_000_000 }])
    // 1e7 × 6e8 × 2 = 1.2e16 > 2^53: 12,000,000,000 µ$ exactly.
    expect(dear.costMicros('x', at, 10_000_000, 10_000_000)).toBe(12_000_000_000)
    expect(dear.costMicros('x', at, 9_999_999, 10_000_000)).toBe(11_999_999_400)
  })
})

describe('PRICING_FILE', () => {
  it('adds models and replaces a built-in entry of the same model and date', () => {
    const extra = parsePriceFile(
      JSON.stringify([
        { model: 'in-house-llm', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 100_000, outputMicrosPerMTok: 200_000 },
        { model: 'gpt-4o', effectiveFrom: '2024-10-01', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 8_000_000 },
      ]),
      'prices.json',
    )
    const book = new PriceBook(catalogWith(extra))
    const at = Date.parse('2026-06-01T00:00:00Z')
    expect(book.costMicros('in-house-llm', at, 1_000_000, 1_000_000)).toBe(300_000)
    expect(book.costMicros('gpt-4o', at, 1_000_000, 0)).toBe(2_000_000)
    expect(book.costMicros('gpt-4o', Date.parse('2024-06-01T00:00:00Z'), 1_000_000, 0)).toBe(5_000_000)
  })

  it('refuses a bad file naming the entry', () => {
    expect(() => parsePriceFile('{', 'p.json')).toThrow(/PRICING_FILE p.json is not valid JSON/)
    expect(() => parsePriceFile('{}', 'p.json')).toThrow(/must be a JSON array/)
    expect(() => parsePriceFile('[{"model":"m","effectiveFrom":"2026-13-45","inputMicrosPerMTok":1,"outputMicrosPerMTok":1}]', 'p.json')).toThrow(
      /entry 0 effectiveFrom is not a date/,
    )
    expect(() => parsePriceFile('[{"model":"m","effectiveFrom":"2026-01-01","inputMicrosPerMTok":1.5,"outputMicrosPerMTok":1}]', 'p.json')).toThrow(
      /entry 0 inputMicrosPerMTok/,
    )
    expect(() =>
      parsePriceFile('[{"model":"m","effectiveFrom":"2026-01-01","inputMicrosPerMTok":1,"outputMicrosPerMTok":1,"currency":"EUR"}]', 'p.json'),
    ).toThrow(/entry 0/)
  })

  it('reads the file the setting names, and says when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'br-prices-'))
    const path = join(dir, 'prices.json')
    writeFileSync(path, JSON.stringify([{ model: 'in-house-llm', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 1, outputMicrosPerMTok: 2 }]))
    expect(configuredCatalog({ PRICING_FILE: path }).some((e) => e.model === 'in-house-llm')).toBe(true)
    expect(configuredCatalog({}).some((e) => e.model === 'in-house-llm')).toBe(false)
    expect(() => configuredCatalog({ PRICING_FILE: join(dir, 'missing.json') })).toThrow(/cannot be read: ENOENT/)
    rmSync(dir, { recursive: true, force: true })
  })
})
