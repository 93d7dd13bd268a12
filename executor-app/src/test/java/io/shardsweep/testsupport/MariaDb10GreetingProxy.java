package io.shardsweep.testsupport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 in front of the test database that makes the server greet clients as
 * MariaDB 10.x does: its handshake's version string gets the prefix {@code 5.5.5-} (MariaDB 11 dropped
 * it; 10.6 and 10.11 still send it). Everything else passes through unchanged, so the client talks to
 * the real server and only its idea of the server version differs, exactly as against a MariaDB 10.
 */
public final class MariaDb10GreetingProxy implements AutoCloseable {

    static final String PREFIX = "5.5.5-";
    /** The MySQL protocol's handshake v10 starts with this byte, then the NUL-terminated version. */
    private static final int PROTOCOL_V10 = 0x0a;

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Forwards to the server of {@code jdbcUrl} ({@code jdbc:mysql://host:port/...}). */
    public MariaDb10GreetingProxy(String jdbcUrl) throws IOException {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        this.targetHost = uri.getHost();
        this.targetPort = uri.getPort();
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        Thread acceptor = new Thread(this::acceptLoop, "mariadb10-greeting-proxy-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code jdbcUrl} with its host and port replaced by this proxy's. */
    public String proxied(String jdbcUrl) {
        return jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + port() + "/");
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                live.add(client);
                live.add(upstream);
                pump(upstream, client, true);
                pump(client, upstream, false);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean rewriteGreeting) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                if (rewriteGreeting) {
                    out.write(prefixedGreeting(in));
                    out.flush();
                }
                in.transferTo(out);
            } catch (IOException ignored) {
                // one side closed the connection
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                live.remove(from);
                live.remove(to);
            }
        }, "mariadb10-greeting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Reads the server's first packet and returns it with {@link #PREFIX} before its version string. */
    static byte[] prefixedGreeting(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length < 4) {
            throw new EOFException("the server closed before its greeting");
        }
        int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
        byte[] payload = in.readNBytes(length);
        if (payload.length < length || payload[0] != PROTOCOL_V10) {
            throw new IOException("not a MySQL protocol v10 greeting");
        }
        byte[] prefix = PREFIX.getBytes(StandardCharsets.US_ASCII);
        int newLength = length + prefix.length;
        byte[] packet = new byte[4 + newLength];
        packet[0] = (byte) newLength;
        packet[1] = (byte) (newLength >>> 8);
        packet[2] = (byte) (newLength >>> 16);
        packet[3] = header[3];
        packet[4] = payload[0];
        System.arraycopy(prefix, 0, packet, 5, prefix.length);
        System.arraycopy(payload, 1, packet, 5 + prefix.length, length - 1);
        return packet;
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
        live.forEach(MariaDb10GreetingProxy::closeQuietly);
        live.clear();
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
