/*
 * A gateway as most JVM services are: Apache Kafka's own Java producer (the kafka-clients jar of the
 * broker the tests start), run from source with no build step:
 *
 *   java -cp '.cache/kafka/<version>/libs/*' tests/helpers/JavaProducer.java BROKERS TOPIC SCRIPT_FILE [key=value ...]
 *
 * key=value pairs are producer properties (compression.type, enable.idempotence, transactional.id, ...).
 * SCRIPT_FILE has one command per line, fields separated by TABs:
 *   send  KEY  VALUE  [HEADERS  [PARTITION]]   KEY "\N" is a null key; HEADERS is name=value;name=value;
 *                                 PARTITION empty: the default partitioner's choice
 *   begin | commit | abort        transactions (needs transactional.id; initTransactions runs first)
 *   flush
 * Sends are asynchronous; any failed send fails the run. Prints "SENT n" and exits 0 when all were acknowledged.
 */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class JavaProducer {
  public static void main(String[] args) throws Exception {
    String brokers = args[0], topic = args[1];
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "burnrate-test-java");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    AtomicReference<Exception> failure = new AtomicReference<>();
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      if (props.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) producer.initTransactions();
      for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
        if (line.isEmpty()) continue;
        String[] f = line.split("\t", -1);
        switch (f[0]) {
          case "begin": producer.beginTransaction(); break;
          case "commit": producer.commitTransaction(); break;
          case "abort": producer.abortTransaction(); break;
          case "flush": producer.flush(); break;
          case "send": {
            byte[] key = f[1].equals("\\N") ? null : f[1].getBytes(StandardCharsets.UTF_8);
            Integer partition = f.length > 4 && !f[4].isEmpty() ? Integer.valueOf(f[4]) : null;
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, key, f[2].getBytes(StandardCharsets.UTF_8));
            if (f.length > 3 && !f[3].isEmpty()) {
              for (String h : f[3].split(";")) {
                int eq = h.indexOf('=');
                record.headers().add(h.substring(0, eq), h.substring(eq + 1).getBytes(StandardCharsets.UTF_8));
              }
            }
            producer.send(record, (meta, err) -> { if (err != null) failure.compareAndSet(null, err); });
            sent++;
            break;
          }
          default: throw new IllegalArgumentException("unknown command: " + f[0]);
        }
        if (failure.get() != null) break;
      }
      producer.flush();
    }
    if (failure.get() != null) {
      System.err.println("send failed: " + failure.get());
      System.exit(1);
    }
    System.out.println("SENT " + sent);
  }
}
