import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface NativeInsert {
  table: string
  columns: readonly string[]
  /** One or more blocks in ClickHouse's Native format. */
  body: Buffer
  settings: Record<string, string | number>
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function identifiers(names: readonly string[]): string {
  for (const name of names) if (!IDENTIFIER.test(name)) throw new Error(`not an identifier: ${JSON.stringify(name)}`)
  return names.join(', ')
}

/** The INSERT … SELECT that moves a spooled Native file into a table, settings on the insert itself. */
export function spoolInsertSql(p: Omit<NativeInsert, 'body'>, path: string): string {
  const columns = identifiers(p.columns)
  const settings = Object.entries(p.settings).map(([k, v]) => `${identifiers([k])} = ${typeof v === 'number' ? String(v) : quote(v)}`)
  return `INSERT INTO ${identifiers([p.table])} (${columns})${settings.length ? ` SETTINGS ${settings.join(', ')}` : ''}
    SELECT ${columns} FROM file(${quote(path)}, Native)`
}

/**
 * Binary inserts for the embedded engine. chDB takes inline insert data as
 * text only, so a Native body goes through a file that the INSERT reads with
 * file(): one write to the page cache, and then ClickHouse reads columns as
 * they are instead of parsing text. The file is removed once the insert has
 * returned, acknowledged or not; the caller's retry writes it again.
 *
 * Each insert runs on a connection of its own from `runners`: chDB runs one
 * query at a time per connection.
 *
 * Files left by a crash are removed when the store opens: a chDB data
 * directory has one owning process, so nothing else can be using them.
 */
export function nativeSpool(dir: string, runners: readonly Runner[]): (p: NativeInsert) => Promise<void> {
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync(dir)) if (name.endsWith('.native')) rmSync(join(dir, name), { force: true })
  const pool = new RunnerPool(runners)
  let sequence = 0
  return async (p) => {
    const path = join(dir, `${process.pid}-${++sequence}.native`)
    try {
      await writeFile(path, p.body)
      const run = await pool.acquire()
      try {
        await run(spoolInsertSql(p, path))
      } finally {
        pool.release(run)
      }
    } finally {
      await rm(path, { force: true })
    }
  }
}

type Runner = (sql: string) => Promise<unknown>

/** Hands each insert a connection no other insert is using, first come first served. */
class RunnerPool {
  private readonly idle: Runner[]
  private readonly waiting: ((run: Runner) => void)[] = []

  constructor(runners: readonly Runner[]) {
    if (runners.length === 0) throw new Error('nativeSpool needs at least one connection')
    this.idle = [...runners]
  }

  acquire(): Promise<Runner> {
    const run = this.idle.pop()
    return run ? Promise.resolve(run) : new Promise((resolve) => this.waiting.push(resolve))
  }

  release(run: Runner): void {
    const next = this.waiting.shift()
    if (next) next(run)
    else this.idle.push(run)
  }
}
