import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // Native engine and network clients stay out of the bundle and load from node_modules.
  serverExternalPackages: ['chdb', '@clickhouse/client', '@clickhouse/client-common', 'kafkajs', 'lz4-napi', 'snappy', '@mongodb-js/zstd'],
  poweredByHeader: false,
  typedRoutes: false,
}

export default nextConfig
