'use client'

/** The download button of a table's CSV export (the server streams every row; the link carries the table's filters and order). */
export function CsvLink({ href, testId, title }: { href: string; testId: string; title: string }) {
  return (
    <a className="btn small" href={href} download data-testid={testId} title={title}>
      ⤓ CSV
    </a>
  )
}
