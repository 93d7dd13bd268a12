package io.shardsweep.testsupport;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs inside the S3Mock child JVM, never in ours. {@link S3TestServer} puts this one class file and a
 * {@code META-INF/spring.factories} naming it on the child's {@code loader.path}; Spring Boot then runs it as an
 * {@link ApplicationContextInitializer}. It does three things S3Mock has no setting for:
 * <ol>
 *   <li><b>Loopback only.</b> S3Mock 4.x adds its plain-HTTP connector as a bare Tomcat {@code Connector} with
 *       only a port, so {@code server.address} reaches the HTTPS connector alone and the HTTP port listens on
 *       every interface. This sets the connector's {@code address} before Tomcat binds.</li>
 *   <li><b>Reports its port.</b> The HTTP connector is started on port 0 (no race for a pre-picked port); once
 *       the application is ready, the bound port is written to the file named by {@link #PROP_PORT_FILE}, which
 *       is also the parent's readiness signal.</li>
 *   <li><b>Dies with its parent.</b> When the test JVM is killed without running its shutdown hooks, the child
 *       exits by itself instead of lingering (S3Mock then removes its store folder on the way out).</li>
 * </ol>
 *
 * <p>It touches Tomcat and Spring Boot by reflection only: the child runs S3Mock's own Boot 3.5 and Tomcat 10.1,
 * while this class is compiled against our Boot 4. It links only Spring Framework interfaces that both lines
 * share, and has no nested classes, so that one class file is all the child needs.
 */
public final class S3TestServerChildGuard implements ApplicationContextInitializer<ConfigurableApplicationContext>,
        BeanPostProcessor, ApplicationListener<ApplicationEvent> {

    /** The address to bind the HTTP connector to. */
    public static final String PROP_ADDRESS = "shardsweep.s3mock.bind-address";
    /** Where to write {@code http=<port>} once S3Mock is ready. */
    public static final String PROP_PORT_FILE = "shardsweep.s3mock.port-file";
    /** The pid of the test JVM; the child exits when it is gone. */
    public static final String PROP_PARENT_PID = "shardsweep.s3mock.parent-pid";

    private static final String CONNECTOR_CLASS = "org.apache.catalina.connector.Connector";
    private static final String READY_EVENT_CLASS = "org.springframework.boot.context.event.ApplicationReadyEvent";
    /** Boot 3.x names it getAdditionalTomcatConnectors, Boot 4.x getAdditionalConnectors. */
    private static final String[] ADDITIONAL_CONNECTOR_GETTERS = {"getAdditionalTomcatConnectors", "getAdditionalConnectors"};

    private final List<Object> boundConnectors = new ArrayList<>();

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        exitWithParent();
        context.getBeanFactory().addBeanPostProcessor(this);
        context.addApplicationListener(this);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        String address = System.getProperty(PROP_ADDRESS, "127.0.0.1");
        if (isConnector(bean)) { // S3Mock 5.x declares its HTTP connector as a bean
            bind(bean, address);
            return bean;
        }
        for (String getter : ADDITIONAL_CONNECTOR_GETTERS) {
            Method m = publicNoArgMethod(bean.getClass(), getter);
            if (m == null) {
                continue;
            }
            try {
                if (m.invoke(bean) instanceof Collection<?> connectors) {
                    for (Object c : connectors) {
                        bind(c, address);
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot bind the additional connectors of " + beanName + " to " + address, e);
            }
        }
        return bean;
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (!event.getClass().getName().equals(READY_EVENT_CLASS)) {
            return;
        }
        String portFile = System.getProperty(PROP_PORT_FILE);
        if (portFile == null) {
            return;
        }
        if (boundConnectors.size() != 1) {
            throw new IllegalStateException("expected exactly one additional (HTTP) connector, bound " + boundConnectors);
        }
        try {
            Object port = boundConnectors.get(0).getClass().getMethod("getLocalPort").invoke(boundConnectors.get(0));
            Path target = Path.of(portFile);
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, "http=" + port + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (ReflectiveOperationException | IOException e) {
            throw new IllegalStateException("cannot report the HTTP port to " + portFile, e);
        }
    }

    private void bind(Object connector, String address) {
        try {
            Method setProperty = connector.getClass().getMethod("setProperty", String.class, String.class);
            if (Boolean.FALSE.equals(setProperty.invoke(connector, "address", address))) {
                throw new IllegalStateException("Tomcat refused address=" + address + " on " + connector);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set address=" + address + " on " + connector, e);
        }
        boundConnectors.add(connector);
        System.out.println("[S3TestServerChildGuard] bound the HTTP connector " + connector + " to " + address);
    }

    private static void exitWithParent() {
        String pid = System.getProperty(PROP_PARENT_PID);
        if (pid == null) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> {
                    System.out.println("[S3TestServerChildGuard] the test JVM " + pid + " is gone: exiting");
                    System.exit(0);
                }),
                () -> System.exit(0));
    }

    private static boolean isConnector(Object bean) {
        for (Class<?> c = bean.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(CONNECTOR_CLASS)) {
                return true;
            }
        }
        return false;
    }

    private static Method publicNoArgMethod(Class<?> type, String name) {
        try {
            return type.getMethod(name);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
