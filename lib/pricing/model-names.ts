/**
 * How a model name as a gateway reports it maps onto the catalog's names.
 * Gateways and SDKs spell one model many ways: a provider prefix
 * (`openai/gpt-4o`, `models/gemini-2.5-pro`, Bedrock's
 * `anthropic.claude-3-5-sonnet-20240620-v1:0`), a dated snapshot
 * (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`, Vertex's `@20240620`), an
 * alias suffix (`-latest`, `-preview-05-06`). Priced only by the exact
 * name, every such call was stored as unpriced, at $0: the spend views
 * undercounted and the cost detectors were blind to a shift onto that model.
 *
 * A snapshot is priced as its family: providers have mostly priced a
 * snapshot like its alias, and a snapshot priced otherwise can be listed in
 * the catalog (or `PRICING_FILE`) under its full name, which is tried first.
 */

/** Vendor prefixes of Bedrock-style ids (`vendor.model`). */
const VENDOR_DOT = /^(?:anthropic|meta|mistral|amazon|cohere|ai21|openai|google)\./

/** Suffixes that name a snapshot or an alias of the same model, each stripped in turn. */
const SNAPSHOT_SUFFIXES = [
  /-v\d+(?::\d+)?$/, // Bedrock: -v1:0, -v2
  /@\d{8}$/, // Vertex: @20240620
  /@latest$/,
  /-\d{4}-\d{2}-\d{2}$/, // -2024-08-06
  /-\d{8}$/, // -20250514
  /-(?:0[1-9]|1[0-2])\d{2}$/, // -0613, -1106, -0125 (month and day)
  /-2\d(?:0[1-9]|1[0-2])$/, // Mistral's year and month: -2407, -2501
  /-00\d$/, // -001, -002 (Gemini revisions)
  /-latest$/,
  /-preview(?:-\d{2}-\d{2})?$/, // -preview, -preview-05-06
  /-exp(?:-\d{2}-\d{2})?$/,
]

/**
 * The names a reported model may be priced under, most specific first: as
 * sent, then lower case without provider path or vendor prefix, then with
 * each snapshot suffix stripped in turn. The first with a catalog entry
 * wins, so a snapshot listed under its own name (`gpt-4-1106-preview` is
 * GPT-4 Turbo, not GPT-4) keeps its own price.
 */
export function priceNameCandidates(model: string): string[] {
  const names = [model]
  let name = model.trim().toLowerCase()
  const slash = name.lastIndexOf('/')
  if (slash >= 0) name = name.slice(slash + 1)
  name = name.replace(VENDOR_DOT, '')
  if (name !== model) names.push(name)
  for (let changed = true; changed;) {
    changed = false
    for (const suffix of SNAPSHOT_SUFFIXES) {
      const next = name.replace(suffix, '')
      if (next !== name && next.length > 0) {
        name = next
        names.push(name)
        changed = true
      }
    }
  }
  return names
}
