// Starts an embedded OpenSearch 3.x node for tests (run as a single-file source program on Java 21+:
// `java -cp CP OpenSearch3TestNode.java <runner args>`). As for 2.x the runner's main forces roles
// [cluster_manager, data] and tests need `ingest`. Unlike 2.x, 3.x sets its own discovery type (a
// second one fails the start) and refuses HTTP ports above its default maximum unless lifted.
import org.codelibs.opensearch.runner.OpenSearchRunner;

public class OpenSearch3TestNode {
    public static void main(String[] args) throws Exception {
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, settings) -> {
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
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
