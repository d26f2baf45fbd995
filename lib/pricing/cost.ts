import { PRICE_CATALOG, type PriceEntry } from './catalog'
import { priceNameCandidates } from './model-names'
import { configuredCatalog } from './price-file'

const DAY_MS = 86_400_000

interface Dated extends PriceEntry {
  fromMs: number
}

/** Per model, entries newest first, so lookup is the first entry not after the event. */
function index(catalog: readonly PriceEntry[]): Map<string, Dated[]> {
  const byModel = new Map<string, Dated[]>()
  for (const entry of catalog) {
    const fromMs = Date.parse(`${entry.effectiveFrom}T00:00:00Z`)
    if (Number.isNaN(fromMs)) throw new Error(`bad effectiveFrom ${entry.effectiveFrom} for ${entry.model}`)
    const list = byModel.get(entry.model) ?? []
    list.push({ ...entry, fromMs })
    byModel.set(entry.model, list)
  }
  for (const list of byModel.values()) list.sort((a, b) => b.fromMs - a.fromMs)
  return byModel
}

export class PriceBook {
  private readonly byModel: Map<string, Dated[]>
  // Events arrive roughly in time order; caching per model+day avoids a scan per event.
  private readonly memo = new Map<string, PriceEntry | null>()

  constructor(catalog: readonly PriceEntry[] = PRICE_CATALOG) {
    this.byModel = index(catalog)
  }

  priceAt(model: string, tsMs: number): PriceEntry | null {
    const key = `${model}|${Math.floor(tsMs / DAY_MS)}`
    const hit = this.memo.get(key)
    if (hit !== undefined) return hit
    let found: PriceEntry | null = null
    for (const name of priceNameCandidates(model)) {
      const list = this.byModel.get(name)
      if (list) {
        // The most specific name the catalog lists decides, also before its first price (no price then).
        found = list.find((e) => e.fromMs <= tsMs) ?? null
        break
      }
    }
    if (this.memo.size > 10_000) this.memo.clear()
    this.memo.set(key, found)
    return found
  }

  /** Integer micro-dollars; null when the model has no price at that time. */
  costMicros(model: string, tsMs: number, promptTokens: number, completionTokens: number): number | null {
    const price = this.priceAt(model, tsMs)
    if (!price) return null
    const scaled = promptTokens * price.inputMicrosPerMTok + completionTokens * price.outputMicrosPerMTok
    // Exact below 2^53 (1e7 tokens × $100/Mtok each side); above, in BigInt, rounded half up as Math.round does.
    if (scaled <= Number.MAX_SAFE_INTEGER) return Math.round(scaled / 1_000_000)
    const big = BigInt(promptTokens) * BigInt(price.inputMicrosPerMTok) + BigInt(completionTokens) * BigInt(price.outputMicrosPerMTok)
    return Number((big + 500_000n) / 1_000_000n)
  }
}

/** The book ingest, detection and the enforcer price with: the built-in catalog plus `PRICING_FILE`. */
export const defaultPriceBook = new PriceBook(configuredCatalog())
