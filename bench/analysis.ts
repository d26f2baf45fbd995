/**
 * Measurements made by hand while profiling, kept in the generated report so
 * that regenerating docs/benchmarks.md never drops the explanation of its
 * numbers. Each line says what was measured and how; update it when the code
 * it describes changes.
 */
export const INGEST_ANALYSIS = `### What limits the ingest rate (profiled by hand, 2026-11-21)

- **Fetch size was the first limit.** The bench broker used 1 MiB log segments, and a Kafka fetch never crosses a
  segment, so every fetch returned one producer batch (~1,200 events) and every insert was a 1,200-row block.
  On the same 200k-event backlog: 4,920 events/s with 1 MiB segments, 12,777 with 128 MiB segments.
- **Overlap was the second.** A partition now keeps one insert in flight while the next range is decoded and
  validated (commit still strictly after its own insert): 14,600–21,100 events/s on the same backlog, on a
  machine shared with other jobs.
- **The insert itself**, 20,000 rows as \`INSERT … SELECT\` inside chDB (no parsing at all): the \`events\` table alone
  5.1 µs/row as ReplacingMergeTree (2.1 µs/row as plain MergeTree); its views add usage_minute 8.3, install_profile
  4.4, install_minute 3.4, attestation_minute 1.4 µs/row; all together 20–43 µs/row, growing while background merges
  run. The Kafka engine reference writes into the same tables and views and pays the same.
- **Parsing** the insert body (\`SELECT sum(…) FROM file(…)\`, 20,000 rows): JSONCompactEachRow 9–10 µs/row,
  TabSeparated 9–15, RowBinary 6.5–9.7, Native 0.7. chDB's raw insert accepts text formats only, so the embedded path
  parses JSON; a columnar Native body (through a temporary file) is the remaining lever, worth about 8 µs/row.
  (An earlier version of this note blamed parsing for most of the insert time; re-measured, the views dominate.)
- **JavaScript side**, per event on one thread: JSON.parse ≈ 6–8 µs, decode + validate + price + row ≈ 20 µs in all,
  JSONCompactEachRow encoding ≈ 7–10 µs, a fifth of it garbage collection.
- **150k events/s** would need under 13 µs of CPU per event on this 2-core machine, broker included; the views
  alone take more than that, so that target is out of reach here for any consumer writing these rollups.

### What the memory is made of

- In a 300k-event run: RSS peaked at ~730 MB, of which ~230 MB is file-backed (engine code and data mapped from the
  566 MB libchdb.so, clean pages the kernel can drop), V8 ~150 MB heap + 30–80 MB buffers, and chDB's own tracked
  memory (\`MemoryTracking\`) 30–117 MB; the rest is allocator caches and thread stacks of the engine.
- So in the embedded default the file-backed part alone nearly fills the 256 MB budget. A server-mode ingest process
  (\`CLICKHOUSE_URL\` set) does not load the engine at all; it was not measured here because no ClickHouse server runs
  on this machine.`
