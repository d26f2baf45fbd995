// Moved to harness/kafka-io.ts (shared by tests and bench/); this path re-exports it until the callers are updated.
export * from '../../harness/kafka-io'
