// Prints the failed tests of vitest JSON reports, so the end of a long
// `npm test` log (all that CI shows) names what failed and why.
//   usage: node scripts/test-summary.mjs <label>=<report.json> ...
import { readFileSync, existsSync } from 'node:fs'

const firstLines = (text, n) =>
  String(text ?? '')
    .split('\n')
    .slice(0, n)
    .join('\n      ')

for (const arg of process.argv.slice(2)) {
  const [label, file] = arg.split('=')
  if (!existsSync(file)) {
    console.error(`[test] ${label}: no report (${file}): the run did not finish`)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const failed = []
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? []
    for (const t of tests) if (t.status === 'failed') failed.push({ file: suite.name, title: t.fullName, message: t.failureMessages?.[0] })
    // A file that failed outside any test (import error, hook timeout) has no failed assertion.
    if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) failed.push({ file: suite.name, title: '(file)', message: suite.message })
  }
  const total = report.numTotalTests ?? 0
  console.error(`[test] ${label}: ${failed.length ? `${failed.length} FAILED` : 'no failures'} of ${total} tests`)
  for (const f of failed) {
    console.error(`  ✗ ${f.file.replace(process.cwd() + '/', '')} › ${f.title}`)
    if (f.message) console.error(`      ${firstLines(f.message.replace(/\u001b\[[0-9;]*m/g, ''), 6)}`)
  }
}
