// Starts an embedded Elasticsearch 7.10 node for tests (run as a single-file source program:
// `java -cp CP ElasticsearchTestNode.java <runner args>`). The runner's own main forces roles
// [master, data]; tests need `ingest`, which only the builder callback can set.
import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

public class ElasticsearchTestNode {
    public static void main(String[] args) throws Exception {
        ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.onBuild((index, settings) -> {
            settings.putList("node.roles", "master", "data", "ingest");
            settings.put("discovery.type", "single-node");
            settings.put("network.host", "127.0.0.1");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { runner.close(); } catch (Exception e) { /* exiting anyway */ }
        }));
        runner.build(args);
        Thread.currentThread().join();
    }
}
