export interface MigrationContext {
  /** Database name, already validated as an identifier. */
  db: string
  /** ' ON CLUSTER name' in cluster mode, '' on a single node. */
  onCluster: string
  /** Engine clause: Replicated variant in cluster mode. */
  engine: (family: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree', args?: string) => string
  retentionDays: number
}

export interface Migration {
  version: number
  name: string
  statements: (ctx: MigrationContext) => string[]
}
