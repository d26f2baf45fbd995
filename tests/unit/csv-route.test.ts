import { describe, expect, it } from 'vitest'
import { csvDownload, exportFileName, type CsvTable } from '../../lib/dashboard/csv-route'

const TABLE: CsvTable<{ id: string; n: number }> = { header: ['id', 'n'], line: (r) => [r.id, r.n] }

describe('csvDownload', () => {
  it('names the file safely: client-sent parts cannot break the header quotes or name a path', () => {
    expect(exportFileName(['farm-members', 'acme:farm-0123456789', 'x"; filename="evil.exe', '../../etc'])).toBe(
      'burnrate-farm-members-acme_farm-0123456789-x___filename__evil.exe-.._.._etc.csv',
    )
    const res = csvDownload(['dead-letters', 'a/b'], TABLE, [])
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="burnrate-dead-letters-a_b.csv"')
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  })

  it('pulls rows only as the client reads, and stops the source when the download is closed', async () => {
    let pulled = 0
    let closed = false
    async function* rows() {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++
          yield { id: `=row${i}`, n: -i }
        }
      } finally {
        closed = true
      }
    }
    const reader = csvDownload(['t'], TABLE, rows()).body!.getReader()
    const dec = new TextDecoder()
    let text = ''
    for (let i = 0; i < 3; i++) text += dec.decode((await reader.read()).value)
    // The header, then one line per pull: a million-row source has yielded only what was read (plus one ahead at most).
    expect(text).toBe("id,n\r\n'=row0,0\r\n'=row1,-1\r\n")
    expect(pulled).toBeLessThanOrEqual(4)
    await reader.cancel()
    expect(closed).toBe(true)
  })
})
