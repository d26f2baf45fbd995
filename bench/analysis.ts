/**
 * Measurements made by hand while profiling, kept in the generated report so
 * that regenerating docs/benchmarks.md never drops the explanation of its
 * numbers. Each line says what was measured and how; update it when the code
 * it describes changes.
 */
export const INGEST_ANALYSIS = `### What limits the ingest rate (profiled by hand, 2026-11-21 and 22)

Each step below was measured by hand (\`npm run ingest\` started on a pre-filled topic, committed offsets polled every 100 ms) on a 200k or 400k-event
backlog (1 partition unless said otherwise), one change at a time, on this 2-core machine; rates count from the first commit.

- **Fetch size was the first limit.** The bench broker used 1 MiB log segments, and a Kafka fetch never crosses a
  segment, so every fetch returned one producer batch (~1,200 events): 4,920 events/s. With 128 MiB segments: 12,777.
- **Overlap was the second.** A partition keeps one insert in flight while the next range is decoded and validated
  (commit still strictly after its own insert): 14,600 events/s.
- **Insert format was the third.** chDB takes inline insert data as text only, so rows went in as JSONCompactEachRow,
  which ClickHouse parses at 9–15 µs/row. They now go in as one Native block per batch, written to a spool file and
  inserted with \`INSERT … SELECT … FROM file(…, Native)\`: 20k rows into \`events\` with all its views took 18–29 µs/row
  instead of 30–59 (6 alternating repetitions). Encoding Native in JavaScript costs 2.5–4 µs/row (JSONEachRow: 7–12).
  200k backlog: 14,600 → 20,400 events/s.
- **Batch size was the fourth.** Batches now default to 65,536 rows (ClickHouse's \`kafka_max_block_size\`, which the
  reference uses); a 16 MiB fetch per partition caps them at about 26k of these 590-byte events. Fewer parts to write
  and merge: 20,400 → 27,000–31,000 events/s on the 200k backlog.
- **A quadratic bug was the fifth.** The memory of recent event ids evicted one id at a time from a full V8 Set, and
  each eviction walked past every hole earlier evictions left. After 200k events ingest fell to half speed and kept
  falling (400k backlog: 14,286 events/s overall). Two generations fixed it: 24,254 events/s on the same backlog.
- **chDB runs one query at a time per connection** (two 1-thread queries: 4.5 s on one connection, 1.5 s on two).
  Inserts now have two connections of their own, so two partitions can insert at once, and dashboard queries do not
  wait behind inserts.

- **Validation was the sixth.** The hand-written fast path looped over a field table, reading \`obj[key]\` and writing
  \`out[key]\` with a new key each time: both accesses went megamorphic and the event object ended in dictionary mode.
  It cost 7.5–10 µs per event, more than JSON.parse of the same bytes (4–6 µs), and row mapping paid 3 µs more to read
  that dictionary. One parser per event type is now generated from the same table: 2.4–3.4 µs, row mapping 0.9 µs.

**Where the time goes now** (400k events, 4 partitions, one \`npm run ingest\` process; CPU seconds per thread, start-up
included): the JavaScript thread 9–11 s; chDB's insert work on the \`node\` threads 4–6 s; chDB's pipeline threads
5–7 s; background merges 5–8 s. Per event, the JavaScript thread spends JSON.parse ≈ 5 µs, validation ≈ 3 µs,
garbage collection ≈ 4 µs, Native encoding ≈ 3–4 µs, kafkajs decoding ≈ 3 µs, the recent-id memory ≈ 1 µs.
During these runs the whole machine was 3–12% idle (the broker, the engine and JavaScript together fill both cores),
so decoding in worker threads, last session's proposed lever, can add at most that idle share here: it moves CPU
work between threads but removes none. What would: less CPU per event. The reference parses JSON inside ClickHouse's C++ and,
within the timed interval, merged no parts at all (larger blocks: 65,536 rows per consumer), where we spent
5–8 s merging the parts of 26k-row inserts.

Tried and not kept, measured the same way: encoding each row into the Native block as soon as it is validated (no row
objects kept per batch) saved no CPU (15–22 µs/event either way); reusing the encoder's column buffers across batches
left peak memory unchanged; 40 MiB fetches per partition (≈65k-event inserts) cut merge time by about a fifth, but
no rate change stood out of the hypervisor's steal time, which swung from 1% to 26% between back-to-back runs.

- **The insert itself** is the \`ceiling\` section of the table: parsed rows copied with \`INSERT … SELECT\` inside
  chDB into \`events\` and the views that feed the rollups (no Kafka, no JSON, no JavaScript), process CPU per row.
  By hand, 20,000-row inserts table by table: \`events\` alone 5.1 µs/row; the views add usage_minute 8.3,
  install_profile 4.4, install_minute 3.4 and attestation_minute 1.4. The block size matters: the same rows cost
  about 1.5× as much CPU in 25,000-row inserts (what one 16 MiB fetch gives the sink) as in 65,536-row ones (the
  reference's blocks). The reference writes into the same tables and views.
- **150k events/s** would need at most 13.3 µs of CPU per event on this 2-core machine, broker included. Writing
  the rows alone takes most of that even in the largest blocks (the ceiling row), which leaves a microsecond or two
  per event for the broker to serve the fetch and for any consumer to decode and validate the JSON. ClickHouse's own
  Kafka engine, the reference, spends about 57 µs of machine CPU per event at 4 partitions (2 cores at ~35k events/s).
  The target is out of reach on this machine for any consumer that writes these rollups.

### What the disk bytes are made of

400k bench events inserted by the sink in 26k-row batches, after \`OPTIMIZE FINAL\`: 26.1 B per event in all.
The biggest columns: event_id 3.3 B, ts 2.8, src_offset 2.4, stream_id 2.1, cost_micros 1.8, prompt_bytes 1.7,
prompt_tokens 1.6, context_tokens 1.6, duration_ms 1.4, completion_tokens 1.3, latency_ms 1.2, ttft_ms 1.0,
ingested_at 0.7; everything else together under 3.5 B. Other codecs were tried column by column on the same data
and gained at most 0.5 B in all (Delta or DoubleDelta instead of T64 for ts and offsets was worse; ZSTD(9) or ZSTD(15)
saved 0.1–0.4 B on the id columns at a higher insert and merge cost). The token counts and durations in the bench
corpus are uniformly random, so most of those bytes are the information itself: on this corpus, reaching 25 B would
mean dropping a column (the Kafka offset kept for lineage, say). Simulator traffic, whose sizes follow the gateway's
distributions, stores in 23.8 B per event (the \`disk\` section; "Disk bytes per event on simulator traffic" below).

### What the memory is made of

- In a 400k-event, 4-partition run (2026-11-22): RSS peaked at ~990 MB: ~237 MB file-backed (engine code and data
  mapped from the 566 MB libchdb.so, clean pages the kernel can drop), V8's heap 255–279 MB, buffers outside the heap
  257–271 MB (kafkajs keeps each fetch response, up to 16 MiB per partition, alive while any of its messages is
  referenced), and the rest chDB's allocations, allocator caches and thread stacks.
- So in the embedded default the file-backed part alone nearly fills the 256 MB budget.
- A server-mode ingest process (\`CLICKHOUSE_URL\` set) does not load the engine: its file-backed part is ~43 MB
  (Node itself). No ClickHouse server runs on this machine, so the \`memory-server\` section points it at chDB behind
  its HTTP stand-in (\`tests/helpers/chdb-http-server.ts\`) in a process of its own, which is not counted; the ingest
  process does the same work it would against a server (decode, validate, JSONEachRow over HTTP, commit).
  Measured by hand on 2026-11-22 (400k-event backlogs, process.memoryUsage() every 2 s): with the defaults (16 MiB
  fetches, V8's own heap sizing) it peaked at 548 MB, most of it V8 heap that V8 had not yet collected (live heap
  50–130 MB) and fetch buffers. What bounds it: fetches of 2 MiB per partition (inserts of ~3.5k events; at most
  2 partitions are decoded at a time, each with one range inserting and one being decoded) and V8's old generation
  capped at 128 MB, about twice the live heap. 4 MiB fetches with the same cap peaked at 284 MB; a 96 MB cap saved
  nothing and ran slower. That profile is what \`docker/compose.yml\` runs; rates against the stand-in (4–12k
  events/s) measure the stand-in, not the ingest process, and are not reported.`
