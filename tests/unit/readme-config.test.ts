import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { withConfigTable } from '../../scripts/config-table'
import { configDocs, configSchema } from '../../lib/config'

describe('README configuration table', () => {
  it('documents every variable lib/config.ts reads, with its default (run `npm run docs:config`)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(readme).toBe(withConfigTable(readme))
  })
  it('has a description for every schema key and no stale ones', () => {
    expect(Object.keys(configDocs).sort()).toEqual(Object.keys(configSchema.shape).sort())
  })
})
