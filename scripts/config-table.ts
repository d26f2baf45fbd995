import { readFileSync, writeFileSync } from 'node:fs'
import { configDocs, configSchema } from '../lib/config'

const START = '<!-- config:start -->'
const END = '<!-- config:end -->'

/** The README's configuration table, built from lib/config.ts so it cannot drift. */
export function configTable(): string {
  const defaults = configSchema.parse({}) as Record<string, unknown>
  const lines = ['| variable | default | meaning |', '|---|---|---|']
  for (const [name, doc] of Object.entries(configDocs)) {
    const value = defaults[name]
    const shown = value === undefined ? '(unset)' : value === '' ? '(empty)' : `\`${String(value)}\``
    lines.push(`| \`${name}\` | ${shown} | ${doc.replace(/\|/g, '\\|')} |`)
  }
  return lines.join('\n')
}

export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md lacks ${START} … ${END}`)
  return `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`
}

if (process.argv[1]?.endsWith('config-table.ts')) {
  const path = new URL('../README.md', import.meta.url)
  writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')))
  console.log('README.md configuration table updated')
}
