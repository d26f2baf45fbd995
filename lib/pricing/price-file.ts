import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { settings } from '../config'
import { PRICE_CATALOG, type PriceEntry } from './catalog'

/**
 * `PRICING_FILE`: prices a deployment adds to the built-in catalog, for a
 * model it does not list (an in-house or a newer model) or a negotiated
 * price. A JSON array of catalog entries; one with the model and effective
 * date of a built-in entry replaces it. A bad file stops the process naming
 * the entry: a price silently ignored would leave those calls at $0.
 */
const MAX_MICROS_PER_MTOK = 1_000_000_000 // $1,000 per million tokens

const priceEntrySchema = z
  .object({
    model: z.string().trim().min(1).max(96),
    effectiveFrom: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a date'),
    inputMicrosPerMTok: z.number().int().min(0).max(MAX_MICROS_PER_MTOK),
    outputMicrosPerMTok: z.number().int().min(0).max(MAX_MICROS_PER_MTOK),
  })
  .strict()

/** The entries of a price file's text; throws naming the file and the first bad entry. */
export function parsePriceFile(text: string, path: string): PriceEntry[] {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new Error(`PRICING_FILE ${path} is not valid JSON: ${(e as Error).message}`)
  }
  if (!Array.isArray(raw)) throw new Error(`PRICING_FILE ${path} must be a JSON array of price entries`)
  return raw.map((entry, i) => {
    const parsed = priceEntrySchema.safeParse(entry)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new Error(`PRICING_FILE ${path}: entry ${i} ${issue.path.join('.') || ''} ${issue.message}`.replace(/\s+/g, ' ').trim())
    }
    return parsed.data
  })
}

/** The built-in catalog with a file's entries over it (same model and date: the file's). */
export function catalogWith(extra: readonly PriceEntry[], base: readonly PriceEntry[] = PRICE_CATALOG): PriceEntry[] {
  const key = (e: PriceEntry) => `${e.model}\u0000${e.effectiveFrom}`
  const replaced = new Set(extra.map(key))
  return [...base.filter((e) => !replaced.has(key(e))), ...extra]
}

/** The catalog this process prices with: built-in, plus `PRICING_FILE` when set. */
export function configuredCatalog(env: Record<string, string | undefined> = process.env): PriceEntry[] {
  const { PRICING_FILE } = settings(['PRICING_FILE'], env)
  if (!PRICING_FILE) return [...PRICE_CATALOG]
  let text: string
  try {
    text = readFileSync(PRICING_FILE, 'utf8')
  } catch (e) {
    throw new Error(`PRICING_FILE ${PRICING_FILE} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  return catalogWith(parsePriceFile(text, PRICING_FILE))
}
