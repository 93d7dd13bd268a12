package io.shardsweep.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.xxl.job.core.constant.Const;
import com.xxl.job.core.openapi.model.CallbackRequest;
import com.xxl.job.core.openapi.model.RegistryRequest;
import com.xxl.tool.core.StringTool;
import com.xxl.tool.json.GsonTool;
import com.xxl.tool.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The only stand-in for the XXL-JOB admin: a JDK {@link HttpServer} on 127.0.0.1 that answers
 * {@code POST {address()}/api/{uri}} like xxl-job-admin 3.3.2's {@code OpenApiController}
 * (registry, registryRemove, callback; token header {@code XXL-JOB-ACCESS-TOKEN}), and records what it got.
 *
 * <p>Point an executor at it with {@code adminAddresses = fake.address()}; xxl-job-core appends {@code /api}.
 */
public final class FakeXxlJobAdmin implements AutoCloseable {

    public static final String CONTEXT_PATH = "/xxl-job-admin";
    private static final String API_PREFIX = CONTEXT_PATH + "/api/";

    private final String accessToken;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Object lock = new Object();
    private final List<RegistryRequest> registrations = new ArrayList<>();
    private final List<RegistryRequest> removals = new ArrayList<>();
    private final List<CallbackRequest> callbacks = new ArrayList<>();
    private final List<String> otherRequests = new ArrayList<>();
    private final AtomicInteger rejected = new AtomicInteger();
    private final List<CallbackRequest> refusedCallbacks = new ArrayList<>();
    private volatile boolean failCallbacks;

    private FakeXxlJobAdmin(String accessToken) throws IOException {
        this.accessToken = accessToken;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-xxl-job-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(CONTEXT_PATH + "/", this::handle);
        server.start();
    }

    /** Starts a fake admin that demands {@code accessToken} (blank: accepts any, like the real admin). */
    public static FakeXxlJobAdmin start(String accessToken) {
        try {
            return new FakeXxlJobAdmin(accessToken);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake XXL-JOB admin", e);
        }
    }

    /** e.g. {@code http://127.0.0.1:PORT/xxl-job-admin}: what goes into the executor's admin addresses. */
    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + CONTEXT_PATH;
    }

    public List<RegistryRequest> registrations() {
        synchronized (lock) {
            return List.copyOf(registrations);
        }
    }

    public List<RegistryRequest> removals() {
        synchronized (lock) {
            return List.copyOf(removals);
        }
    }

    public List<CallbackRequest> callbacks() {
        synchronized (lock) {
            return List.copyOf(callbacks);
        }
    }

    /**
     * While on, every callback is answered as a failure (as an admin whose database is down answers),
     * so that the executor keeps it in its failed-callback folder and retries it every 30 s.
     */
    public void failCallbacks(boolean fail) {
        this.failCallbacks = fail;
    }

    /** Callbacks answered as failures while {@link #failCallbacks(boolean)} was on, in arrival order. */
    public List<CallbackRequest> refusedCallbacks() {
        synchronized (lock) {
            return List.copyOf(refusedCallbacks);
        }
    }

    /** Requests that were rejected for a wrong or missing access token. */
    public int rejectedRequests() {
        return rejected.get();
    }

    /** Waits for the callback of {@code logId}; fails with everything received so far on timeout. */
    public CallbackRequest awaitCallback(long logId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                for (CallbackRequest c : callbacks) {
                    if (c.getLogId() == logId) {
                        return c;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no callback for logId " + logId + " within " + timeout
                            + "; received callbacks " + callbacks + ", registrations " + registrations
                            + ", removals " + removals + ", rejected " + rejected.get()
                            + ", other requests " + otherRequests);
                }
                waitNanos(left);
            }
        }
    }

    /** Waits until an executor registered {@code appname} (registryGroup EXECUTOR, registryKey = appname). */
    public void awaitRegistration(String appname, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                for (RegistryRequest r : registrations) {
                    if (Objects.equals(r.getRegistryKey(), appname)) {
                        return;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no registration of '" + appname + "' within " + timeout
                            + "; received registrations " + registrations + ", rejected " + rejected.get()
                            + ", other requests " + otherRequests);
                }
                waitNanos(left);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void waitNanos(long nanos) {
        try {
            long millis = Math.max(1, Math.min(nanos / 1_000_000, 200));
            lock.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }

    // ---------------------------------------------------------------- the admin's /api/{uri}

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Object reply = dispatch(exchange, body);
            byte[] bytes = GsonTool.toJson(reply).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Mirrors xxl-job-admin 3.3.2 OpenApiController#api, checks in the same order. */
    private Response<String> dispatch(HttpExchange exchange, String requestBody) {
        String path = exchange.getRequestURI().getPath();
        if (!path.startsWith(API_PREFIX)) {
            note(exchange.getRequestMethod() + " " + path);
            return Response.ofFail("invalid request, uri-mapping(" + path + ") not found.");
        }
        String uri = path.substring(API_PREFIX.length());
        if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
            note(exchange.getRequestMethod() + " " + path);
            return Response.ofFail("invalid request, HttpMethod not support.");
        }
        if (StringTool.isBlank(uri)) {
            note("POST " + path + " (empty uri)");
            return Response.ofFail("invalid request, uri-mapping empty.");
        }
        if (StringTool.isBlank(requestBody)) {
            note("POST " + path + " (empty body)");
            return Response.ofFail("invalid request, requestBody empty.");
        }
        String token = exchange.getRequestHeaders().getFirst(Const.XXL_JOB_ACCESS_TOKEN);
        if (StringTool.isNotBlank(accessToken) && !accessToken.equals(token)) {
            rejected.incrementAndGet();
            return Response.ofFail("The access token is wrong.");
        }
        try {
            switch (uri) {
                case "callback": {
                    List<CallbackRequest> list = GsonTool.fromJson(requestBody, List.class, CallbackRequest.class);
                    if (failCallbacks) {
                        record(refusedCallbacks, list);
                        return Response.ofFail("callback refused by the test (failCallbacks)");
                    }
                    record(callbacks, list);
                    return Response.ofSuccess();
                }
                case "registry": {
                    RegistryRequest r = GsonTool.fromJson(requestBody, RegistryRequest.class);
                    if (illegal(r)) {
                        note("POST registry " + requestBody + " (Illegal Argument)");
                        return Response.ofFail("Illegal Argument.");
                    }
                    record(registrations, List.of(r));
                    return Response.ofSuccess();
                }
                case "registryRemove": {
                    RegistryRequest r = GsonTool.fromJson(requestBody, RegistryRequest.class);
                    if (illegal(r)) {
                        note("POST registryRemove " + requestBody + " (Illegal Argument)");
                        return Response.ofFail("Illegal Argument.");
                    }
                    record(removals, List.of(r));
                    return Response.ofSuccess();
                }
                default:
                    note("POST " + uri + " " + requestBody);
                    return Response.ofFail("invalid request, uri-mapping(" + uri + ") not found.");
            }
        } catch (Exception e) {
            note("POST " + uri + " " + requestBody + " (" + e + ")");
            return Response.ofFail("openapi invoke error: " + e.getMessage());
        }
    }

    private static boolean illegal(RegistryRequest r) {
        return r == null
                || StringTool.isBlank(r.getRegistryGroup())
                || StringTool.isBlank(r.getRegistryKey())
                || StringTool.isBlank(r.getRegistryValue());
    }

    private <T> void record(List<T> into, List<T> items) {
        synchronized (lock) {
            if (items != null) {
                into.addAll(items);
            }
            lock.notifyAll();
        }
    }

    private void note(String what) {
        synchronized (lock) {
            otherRequests.add(what);
            lock.notifyAll();
        }
    }
}
