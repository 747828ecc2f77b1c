// An independent reader for the kafka tests (Kafka's own Java client, not the Node client under
// test): prints every record of the given topics from the beginning to their end offsets, one
// line each: base64(key) or "-", a space, base64(value). Compiled once by the test setup, then:
// java -cp <reader dir>:<broker classpath> TopicDump <bootstrap> <topic>[,<topic>...]
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class TopicDump {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Base64.Encoder b64 = Base64.getEncoder();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : args[1].split(",")) for (PartitionInfo i : c.partitionsFor(t)) parts.add(new TopicPartition(t, i.partition()));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) if (c.position(tp) < end.get(tp)) done = false;
        if (done) break;
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          System.out.println((r.key() == null ? "-" : b64.encodeToString(r.key())) + " " + b64.encodeToString(r.value()));
        }
      }
    }
  }
}
