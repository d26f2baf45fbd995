/**
 * Model prices as versioned data: each entry applies from its effective date
 * (UTC midnight) until the next entry for the same model. Prices are integer
 * micro-dollars per million tokens, so $3.00 / Mtok is 3_000_000.
 * Add a new entry to change a price; never edit a past one, or historic
 * costs recomputed from the catalog would change.
 */
export interface PriceEntry {
  model: string
  effectiveFrom: string // YYYY-MM-DD, UTC
  inputMicrosPerMTok: number
  outputMicrosPerMTok: number
}

export const PRICE_CATALOG: readonly PriceEntry[] = [
  { model: 'gpt-4o', effectiveFrom: '2024-05-13', inputMicrosPerMTok: 5_000_000, outputMicrosPerMTok: 15_000_000 },
  { model: 'gpt-4o', effectiveFrom: '2024-10-01', inputMicrosPerMTok: 2_500_000, outputMicrosPerMTok: 10_000_000 },
  { model: 'gpt-4o-mini', effectiveFrom: '2024-07-18', inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000 },
  { model: 'gpt-4.1', effectiveFrom: '2025-04-14', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 8_000_000 },
  { model: 'gpt-4.1-mini', effectiveFrom: '2025-04-14', inputMicrosPerMTok: 400_000, outputMicrosPerMTok: 1_600_000 },
  { model: 'claude-sonnet-4', effectiveFrom: '2025-05-22', inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 15_000_000 },
  { model: 'claude-haiku-4', effectiveFrom: '2025-10-01', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 5_000_000 },
  { model: 'gemini-2.5-flash', effectiveFrom: '2025-06-17', inputMicrosPerMTok: 300_000, outputMicrosPerMTok: 2_500_000 },
  { model: 'gemini-2.5-pro', effectiveFrom: '2025-06-17', inputMicrosPerMTok: 1_250_000, outputMicrosPerMTok: 10_000_000 },
  { model: 'llama-3.1-70b', effectiveFrom: '2024-07-23', inputMicrosPerMTok: 880_000, outputMicrosPerMTok: 880_000 },
]
