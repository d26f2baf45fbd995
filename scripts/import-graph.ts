// Import structure of the project at folder level: which folder imports which, the folder cycles
// and the arrows that point up the layer table in docs/architecture.md. `npm run arch:imports`
// prints it; tests/unit/import-graph.test.ts fails when lib/ gains a folder cycle or bench/ imports tests/.
// It reads import/export/import() specifiers with the TypeScript scanner, so no extra dependency.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOTS = ['app', 'components', 'lib', 'harness', 'bench', 'tests', 'cli', 'enforcer', 'scripts']
const SKIP = new Set(['node_modules', '.next', 'test-results', 'data'])

// Layers, lowest first. A folder may import its own layer or lower ones; an import of a higher layer
// "points up". Folders missing from the table are reported as such so the table stays complete.
export const LAYERS: readonly (readonly string[])[] = [
  ['lib (root files)', 'lib/pricing', 'lib/events'],
  ['lib/clickhouse'],
  ['lib/dashboard', 'lib/queries', 'lib/detection', 'lib/ingest', 'lib/auth', 'lib/audit', 'lib/budgets', 'lib/test-sources'],
  ['lib/alerts', 'lib/policy', 'lib/enforcement', 'lib/simulator', 'lib/seed'],
  ['lib/http', 'lib/runtime'],
  ['components', 'app', 'cli', 'enforcer', 'scripts', '(root files)'],
  ['harness'],
  ['bench'],
  ['tests/helpers', 'tests/eval'],
  ['tests', 'tests/unit', 'tests/integration', 'tests/e2e'],
]

export type FolderGraph = {
  folders: string[]
  /** from folder → to folder → example "file -> file" pairs */
  edges: Map<string, Map<string, string[]>>
}

function listSources(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) listSources(path, out)
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
}

export function folderOf(file: string): string {
  const parts = file.split('/')
  if (parts[0] === 'lib') return parts.length > 2 ? `lib/${parts[1]}` : 'lib (root files)'
  if (parts[0] === 'tests') return parts.length > 2 ? `tests/${parts[1]}` : 'tests'
  return parts.length > 1 ? parts[0] : '(root files)'
}

function resolveSpecifier(root: string, fromFile: string, spec: string): string | null {
  let base: string
  if (spec.startsWith('@/')) base = join(root, spec.slice(2))
  else if (spec.startsWith('.')) base = resolve(dirname(join(root, fromFile)), spec)
  else return null // a package
  for (const suffix of ['', '.ts', '.tsx', '.mts', '/index.ts', '/index.tsx']) {
    const candidate = base + suffix
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate)
  }
  return null
}

export function buildFolderGraph(root: string): FolderGraph {
  const files: string[] = []
  for (const top of ROOTS) if (existsSync(join(root, top))) listSources(join(root, top), files)
  const edges = new Map<string, Map<string, string[]>>()
  const folders = new Set<string>()
  for (const abs of files) {
    const file = relative(root, abs)
    const from = folderOf(file)
    folders.add(from)
    const info = ts.preProcessFile(readFileSync(abs, 'utf8'), true, true)
    for (const imported of info.importedFiles) {
      const target = resolveSpecifier(root, file, imported.fileName)
      if (!target) continue
      const to = folderOf(target)
      if (to === from) continue
      const byTarget = edges.get(from) ?? new Map<string, string[]>()
      edges.set(from, byTarget)
      const examples = byTarget.get(to) ?? []
      byTarget.set(to, examples)
      examples.push(`${file} -> ${target}`)
    }
  }
  return { folders: [...folders].sort(), edges }
}

/** Strongly connected components with more than one folder (Tarjan). */
export function folderCycles(graph: FolderGraph, only?: (folder: string) => boolean): string[][] {
  const keep = only ?? (() => true)
  let index = 0
  const indexOf = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const visit = (v: string) => {
    indexOf.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.edges.get(v)?.keys() ?? []) {
      if (!keep(w)) continue
      if (!indexOf.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!))
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) out.push(component.sort())
    }
  }
  for (const folder of graph.folders) if (keep(folder) && !indexOf.has(folder)) visit(folder)
  return out
}

/** Pairs of folders that import each other directly. */
export function mutualImports(graph: FolderGraph, only?: (folder: string) => boolean): [string, string][] {
  const keep = only ?? (() => true)
  const pairs: [string, string][] = []
  for (const [from, targets] of graph.edges) {
    for (const to of targets.keys()) {
      if (from < to && keep(from) && keep(to) && graph.edges.get(to)?.has(from)) pairs.push([from, to])
    }
  }
  return pairs.sort()
}

export function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder))
}

export function upwardArrows(graph: FolderGraph): { from: string; to: string; examples: string[] }[] {
  const out: { from: string; to: string; examples: string[] }[] = []
  for (const [from, targets] of graph.edges) {
    for (const [to, examples] of targets) {
      const a = layerOf(from)
      const b = layerOf(to)
      if (a >= 0 && b >= 0 && b > a) out.push({ from, to, examples })
    }
  }
  return out.sort((x, y) => (x.from + x.to).localeCompare(y.from + y.to))
}

export function report(root: string): string {
  const graph = buildFolderGraph(root)
  const lines: string[] = []
  lines.push('# Folders and the folders they import (count of file-level imports)')
  for (const from of graph.folders) {
    const targets = [...(graph.edges.get(from) ?? new Map<string, string[]>()).entries()].sort()
    lines.push(`${from} [layer ${layerOf(from)}] -> ${targets.map(([to, ex]) => `${to} (${ex.length})`).join(', ') || '(none)'}`)
  }
  const unlayered = graph.folders.filter((f) => layerOf(f) < 0)
  if (unlayered.length) lines.push('', `# Folders missing from the layer table: ${unlayered.join(', ')}`)
  lines.push('', '# Folder cycles (strongly connected components)')
  const cycles = folderCycles(graph)
  for (const c of cycles) lines.push(`- ${c.join(' <-> ')}`)
  if (!cycles.length) lines.push('(none)')
  lines.push('', '# Folder pairs that import each other directly')
  const pairs = mutualImports(graph)
  for (const [a, b] of pairs) {
    lines.push(`- ${a} <-> ${b}`)
    for (const ex of graph.edges.get(a)!.get(b)!.slice(0, 3)) lines.push(`    ${ex}`)
    for (const ex of graph.edges.get(b)!.get(a)!.slice(0, 3)) lines.push(`    ${ex}`)
  }
  if (!pairs.length) lines.push('(none)')
  lines.push('', '# Arrows that point up the layer table')
  const up = upwardArrows(graph)
  for (const arrow of up) {
    lines.push(`- ${arrow.from} [${layerOf(arrow.from)}] -> ${arrow.to} [${layerOf(arrow.to)}] (${arrow.examples.length})`)
    for (const ex of arrow.examples.slice(0, 3)) lines.push(`    ${ex}`)
  }
  if (!up.length) lines.push('(none)')
  lines.push('', `# Totals: ${graph.folders.length} folders, ${cycles.length} cycles, ${pairs.length} mutual pairs, ${up.length} upward arrows`)
  return lines.join('\n')
}

if (process.argv[1] && /import-graph\.ts$/.test(process.argv[1])) {
  console.log(report(process.cwd()))
}
