// Moved to harness/kafka-broker.ts (shared by tests and bench/); this path re-exports it until the callers are updated.
export * from '../../harness/kafka-broker'
