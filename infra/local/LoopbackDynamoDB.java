// DynamoDB Local listening on 127.0.0.1 only. Its own launcher binds every interface and has no option to choose
// one, so this starts the same server from the same command-line options and, before it starts, sets the host of
// its Jetty connector to the loopback. Run by infra/local/run.py with Java's source launcher (a JDK: `javac` on the
// PATH), with DynamoDBLocal.jar and DynamoDBLocal_lib/* on the class path.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDB {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
        proxy.join();
    }
}
