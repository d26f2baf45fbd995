// Wait until a Kafka broker really answers (not just accepts TCP):
// metadata (listTopics), describeCluster, and the group coordinator
// (which makes the broker create __consumer_offsets up front, so the first
// consumer group in a test does not pay for it).
//
// usage: node scripts/kafka/wait-ready.mjs <host:port> [timeoutMs]
// exit 0 when ready, 1 on timeout.
import kafkajs from 'kafkajs'

const { Kafka, logLevel } = kafkajs
const broker = process.argv[2]
const timeoutMs = Number(process.argv[3] ?? 60000)
if (!broker) {
  console.error('usage: wait-ready.mjs <host:port> [timeoutMs]')
  process.exit(2)
}

const deadline = Date.now() + timeoutMs
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let lastError = 'not tried'

while (Date.now() < deadline) {
  const kafka = new Kafka({
    clientId: 'burnrate-kafka-ready',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
    const cluster = await admin.describeCluster()
    if (cluster.brokers.length < 1) throw new Error('no brokers registered yet')
    await admin.fetchOffsets({ groupId: '__burnrate-kafka-ready' })
    await admin.disconnect()
    process.exit(0)
  } catch (err) {
    lastError = err?.message ?? String(err)
    await admin.disconnect().catch(() => {})
    await sleep(500)
  }
}
console.error(`[kafka:ready] broker ${broker} not ready after ${timeoutMs}ms: ${lastError}`)
process.exit(1)
