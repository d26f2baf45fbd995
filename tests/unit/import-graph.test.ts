import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFolderGraph, folderCycles, layerOf, mutualImports, upwardArrows } from '../../scripts/import-graph'

const root = resolve(__dirname, '../..')
const graph = buildFolderGraph(root)
const inLib = (folder: string) => folder.startsWith('lib')

describe('import structure', () => {
  // Issue 19 removed the last ones (session 10): the composition that needs both sides lives in lib/runtime.
  it('no two folders of lib/ import each other', () => {
    expect(mutualImports(graph, inLib).map(([a, b]) => `${a} <-> ${b}`)).toEqual([])
  })

  it('no folder cycle of any length, anywhere in the tree', () => {
    expect(folderCycles(graph).map((cycle) => cycle.join(' <-> '))).toEqual([])
  })

  it('no arrow points up the layer table (scripts/import-graph.ts)', () => {
    expect(upwardArrows(graph).map(({ from, to }) => `${from} -> ${to}`)).toEqual([])
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
