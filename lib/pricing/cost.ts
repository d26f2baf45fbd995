import { PRICE_CATALOG, type PriceEntry } from './catalog'

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
    const found = this.byModel.get(model)?.find((e) => e.fromMs <= tsMs) ?? null
    if (this.memo.size > 10_000) this.memo.clear()
    this.memo.set(key, found)
    return found
  }

  /** Integer micro-dollars; null when the model has no price at that time. */
  costMicros(model: string, tsMs: number, promptTokens: number, completionTokens: number): number | null {
    const price = this.priceAt(model, tsMs)
    if (!price) return null
    // Max 1e7 tokens × 1e8 micros/Mtok = 1e15 < 2^53, so this stays exact.
    const scaled = promptTokens * price.inputMicrosPerMTok + completionTokens * price.outputMicrosPerMTok
    return Math.round(scaled / 1_000_000)
  }
}

export const defaultPriceBook = new PriceBook()
