package io.shardsweep.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder on 127.0.0.1 in front of a real server (the database, S3Mock), so that a test can
 * take the server away, make it stop answering, or put a network between it and the client.
 * <ul>
 *   <li>{@link #cut()} closes every live connection (both sides) and, until {@link #restore()},
 *       closes each new one as soon as it is accepted: a broken link, then connection attempts that
 *       fail, as with a host that went away.</li>
 *   <li>{@link #stall()} keeps every connection open, accepts new ones, and forwards nothing until
 *       {@link #restore()}: a server that stops answering, where only a client's own timeout ends a
 *       call. Bytes sent meanwhile are dropped, so a stalled call never completes late.</li>
 *   <li>{@link #setRoundTrip(Duration)} delays every chunk by half the round trip in each direction,
 *       without limiting throughput: chunks in flight overlap, as on a real link with latency.</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong fromClients = new AtomicLong();
    private volatile boolean cut;
    private volatile boolean stalled;
    private volatile long oneWayNanos;
    private volatile boolean closed;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Closes every live connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        cut = true;
        for (Socket s : live) {
            closeQuietly(s);
        }
        live.clear();
    }

    /** Keeps connections open but forwards nothing (and drops what arrives) until {@link #restore()}. */
    public void stall() {
        stalled = true;
    }

    /** Ends {@link #cut()} and {@link #stall()}. */
    public void restore() {
        cut = false;
        stalled = false;
    }

    /** The added round trip: half of it on each direction of every chunk. Zero (the default) adds none. */
    public void setRoundTrip(Duration roundTrip) {
        oneWayNanos = roundTrip.toNanos() / 2;
    }

    public boolean isCut() {
        return cut;
    }

    public int connectionsAccepted() {
        return accepted.get();
    }

    public int connectionsRefused() {
        return refused.get();
    }

    /**
     * Bytes read from clients so far, forwarded or (while stalled) dropped: a test waits for it to grow
     * to know that a request reached the wire, e.g. before it acts on a call that can no longer answer.
     */
    public long bytesFromClients() {
        return fromClients.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (cut) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            Socket upstream;
            try {
                upstream = new Socket(targetHost, targetPort);
                upstream.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            accepted.incrementAndGet();
            live.add(client);
            live.add(upstream);
            if (cut) { // cut() ran between the check above and registering the pair
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            pump(client, upstream, "up", fromClients);
            pump(upstream, client, "down", new AtomicLong());
        }
    }

    /** A chunk read from one side, due to be written to the other at {@link #dueNanos}; empty at the end of the stream. */
    private record Chunk(byte[] bytes, long dueNanos) implements Delayed {

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((Chunk) other).dueNanos);
        }
    }

    /** A reader thread and a writer thread per direction, with a delay queue between them. */
    private void pump(Socket from, Socket to, String direction, AtomicLong bytesRead) {
        DelayQueue<Chunk> inFlight = new DelayQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    bytesRead.addAndGet(n);
                    if (!stalled) {
                        inFlight.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + oneWayNanos));
                    }
                }
            } catch (IOException ignored) {
                // closed by cut(), close() or the other side
            } finally {
                inFlight.add(new Chunk(new byte[0], System.nanoTime() + oneWayNanos));
            }
        }, "tcp-proxy-" + direction + "-read-" + port());
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = inFlight.take();
                    if (chunk.bytes().length == 0) {
                        break;
                    }
                    if (!stalled) {
                        out.write(chunk.bytes());
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // closed by cut(), close() or the other side
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                live.remove(from);
                live.remove(to);
            }
        }, "tcp-proxy-" + direction + "-write-" + port());
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        cut();
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
