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

/** One entry from list prices in dollars per million tokens. */
function listed(model: string, effectiveFrom: string, inputUsd: number, outputUsd: number): PriceEntry {
  return { model, effectiveFrom, inputMicrosPerMTok: Math.round(inputUsd * 1_000_000), outputMicrosPerMTok: Math.round(outputUsd * 1_000_000) }
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
  // Further list prices (USD per million tokens, from each model's release) so a gateway that reports
  // other models is priced too; a snapshot or prefixed name finds its family (model-names.ts).
  listed('gpt-4', '2023-03-14', 30, 60),
  listed('gpt-4-1106-preview', '2023-11-06', 10, 30),
  listed('gpt-4-0125-preview', '2024-01-25', 10, 30),
  listed('gpt-4-turbo-preview', '2024-01-25', 10, 30),
  listed('gpt-4-turbo', '2024-04-09', 10, 30),
  listed('gpt-3.5-turbo', '2024-01-25', 0.5, 1.5),
  listed('gpt-4.1-nano', '2025-04-14', 0.1, 0.4),
  listed('o1-preview', '2024-09-12', 15, 60),
  listed('o1', '2024-12-17', 15, 60),
  listed('o1-mini', '2024-09-12', 3, 12),
  listed('o1-mini', '2025-01-31', 1.1, 4.4),
  listed('o3-mini', '2025-01-31', 1.1, 4.4),
  listed('o3', '2025-04-16', 10, 40),
  listed('o3', '2025-06-10', 2, 8),
  listed('o4-mini', '2025-04-16', 1.1, 4.4),
  listed('gpt-5', '2025-08-07', 1.25, 10),
  listed('gpt-5-mini', '2025-08-07', 0.25, 2),
  listed('gpt-5-nano', '2025-08-07', 0.05, 0.4),
  listed('claude-3-opus', '2024-03-04', 15, 75),
  listed('claude-3-sonnet', '2024-03-04', 3, 15),
  listed('claude-3-haiku', '2024-03-13', 0.25, 1.25),
  listed('claude-3-5-sonnet', '2024-06-20', 3, 15),
  listed('claude-3-5-haiku', '2024-11-04', 0.8, 4),
  listed('claude-3-7-sonnet', '2025-02-24', 3, 15),
  listed('claude-opus-4', '2025-05-22', 15, 75),
  listed('claude-opus-4-1', '2025-08-05', 15, 75),
  listed('claude-sonnet-4-5', '2025-09-29', 3, 15),
  listed('claude-haiku-4-5', '2025-10-15', 1, 5),
  listed('gemini-1.5-pro', '2024-10-01', 1.25, 5),
  listed('gemini-1.5-flash', '2024-08-12', 0.075, 0.3),
  listed('gemini-2.0-flash', '2025-02-05', 0.1, 0.4),
  listed('gemini-2.0-flash-lite', '2025-02-25', 0.075, 0.3),
  listed('gemini-2.5-flash-lite', '2025-07-22', 0.1, 0.4),
  listed('mistral-large', '2024-11-18', 2, 6),
  listed('mistral-small', '2024-09-17', 0.2, 0.6),
]
