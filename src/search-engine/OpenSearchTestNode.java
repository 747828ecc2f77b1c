// Starts an embedded OpenSearch node for tests (run as a single-file source program: `java -cp CP
// OpenSearchTestNode.java <runner args>`). The runner's own main forces roles [cluster_manager,
// data]; tests need `ingest`, which only the builder callback can set.
import org.codelibs.opensearch.runner.OpenSearchRunner;

public class OpenSearchTestNode {
    public static void main(String[] args) throws Exception {
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((index, settings) -> {
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
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
