import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFolderGraph, layerOf, mutualImports, upwardArrows } from '../../scripts/import-graph'

const root = resolve(__dirname, '../..')
const graph = buildFolderGraph(root)
const inLib = (folder: string) => folder.startsWith('lib')

// Folder pairs of lib/ that still import each other (issue 19 removes them one by one). A pair that
// is not listed here fails the test: fix the import instead of adding it to the list.
const KNOWN_MUTUAL_PAIRS = ['lib/budgets <-> lib/detection', 'lib/budgets <-> lib/queries', 'lib/ingest <-> lib/simulator']

// Arrows that still point up the layer table (same rule: shrink this list, never grow it).
const KNOWN_UPWARD_ARROWS = ['lib/ingest -> lib/seed', 'lib/ingest -> lib/simulator']

describe('import structure', () => {
  it('lib/ gains no new pair of folders that import each other', () => {
    const pairs = mutualImports(graph, inLib).map(([a, b]) => `${a} <-> ${b}`)
    expect(pairs.filter((pair) => !KNOWN_MUTUAL_PAIRS.includes(pair))).toEqual([])
  })

  it('lib/ gains no new arrow that points up the layer table (scripts/import-graph.ts)', () => {
    const up = upwardArrows(graph).map(({ from, to }) => `${from} -> ${to}`)
    expect(up.filter((arrow) => !KNOWN_UPWARD_ARROWS.includes(arrow))).toEqual([])
  })

  it('lib/ never imports app/, components/ or tests/', () => {
    const outward = [...graph.edges]
      .filter(([from]) => inLib(from))
      .flatMap(([from, targets]) => [...targets.keys()].filter((to) => !inLib(to)).map((to) => `${from} -> ${to}`))
    expect(outward).toEqual([])
  })

  it('bench/ and harness/ never import tests/', () => {
    const intoTests = ['bench', 'harness'].flatMap((from) =>
      [...(graph.edges.get(from)?.keys() ?? [])].filter((to) => to.startsWith('tests')).map((to) => `${from} -> ${to}`),
    )
    expect(intoTests).toEqual([])
  })

  it('every folder has a place in the layer table', () => {
    expect(graph.folders.filter((folder) => layerOf(folder) < 0)).toEqual([])
  })
})
