/*
 * Reference for the producer benchmark: Apache Kafka's own Java client (the jars scripts/kafka/fetch.sh
 * caches), producing the same keyed JSON records as the simulator, in the way kafka-producer-perf-test does
 * (that class is in kafka-tools, which the broker's pom leaves out). It answers "what does this
 * broker take on this machine from an efficient client", measured in the same run as the simulator.
 *
 *   java -cp '.cache/kafka/<version>/libs/*' bench/ProducerReference.java BROKERS TOPIC RECORDS_FILE COUNT [key=value ...]
 *
 * RECORDS_FILE has one record per line, "key<TAB>value"; the records are sent in order, cycling until COUNT.
 * Prints one line: RESULT {"records":N,"bytes":B,"ms":T,"cpuMs":C} (C: CPU time of the JVM while sending).
 */
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class ProducerReference {
  public static void main(String[] args) throws Exception {
    String brokers = args[0], topic = args[1];
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
      int tab = line.indexOf('\t');
      if (tab < 0) continue;
      keys.add(line.substring(0, tab).getBytes(StandardCharsets.UTF_8));
      values.add(line.substring(tab + 1).getBytes(StandardCharsets.UTF_8));
    }
    long count = Long.parseLong(args[3]);

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "burnrate-bench-java");
    props.put(ProducerConfig.ACKS_CONFIG, "1");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
    for (int i = 4; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }

    AtomicReference<Exception> failure = new AtomicReference<>();
    long bytes = 0;
    long started;
    long cpuStarted;
    long ms;
    long cpuMs;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.partitionsFor(topic); // connected and metadata loaded before the clock starts, as in the simulator
      started = System.nanoTime();
      cpuStarted = cpuNanos();
      for (long i = 0; i < count && failure.get() == null; i++) {
        int r = (int) (i % keys.size());
        bytes += values.get(r).length;
        producer.send(new ProducerRecord<>(topic, keys.get(r), values.get(r)), (meta, err) -> {
          if (err != null) failure.compareAndSet(null, err);
        });
      }
      producer.flush();
      ms = (System.nanoTime() - started) / 1_000_000;
      cpuMs = (cpuNanos() - cpuStarted) / 1_000_000;
    }
    if (failure.get() != null) {
      System.err.println("send failed: " + failure.get());
      System.exit(1);
    }
    System.out.println("RESULT {\"records\":" + count + ",\"bytes\":" + bytes + ",\"ms\":" + ms + ",\"cpuMs\":" + cpuMs + "}");
  }

  /** CPU time of the whole JVM (all threads: sender, JIT, GC), in ns. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
