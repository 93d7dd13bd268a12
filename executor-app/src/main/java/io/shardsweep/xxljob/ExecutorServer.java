package io.shardsweep.xxljob;

import com.xxl.job.core.openapi.ExecutorBiz;
import com.xxl.job.core.server.EmbedServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor's HTTP server (the port the admin calls: /run, /kill, /beat, /idleBeat, /log).
 * It speaks exactly xxl-job-core's protocol, because requests go through xxl-job-core's own public
 * {@link EmbedServer.EmbedHttpServerHandler} (method check, access token, dispatch); only the
 * {@link ExecutorBiz} behind it is ours. Unlike xxl-job-core's server it binds before the
 * application reports started, so a taken port fails the start instead of a background thread.
 */
final class ExecutorServer implements AutoCloseable {

    /** BEAN triggers are small; xxl-job-core accepts 5 MiB to carry GLUE sources. */
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    private final ThreadPoolExecutor requests;
    private final Channel channel;

    ExecutorServer(int port, ExecutorBiz executorBiz, String accessToken) throws InterruptedException {
        AtomicInteger sequence = new AtomicInteger();
        requests = new ThreadPoolExecutor(0, 200, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(2000), r -> {
            Thread thread = new Thread(r, "shardsweep-executor-http-" + sequence.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, 90, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(new EmbedServer.EmbedHttpServerHandler(executorBiz, accessToken, requests));
                        }
                    })
                    // A restarted executor binds its port at once, past the TIME_WAIT of its last connections:
                    // its failed callbacks are kept per port (XxlJobCoreInternals). Two live listeners on one
                    // port are still refused (that would be SO_REUSEPORT).
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .bind(port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        requests.shutdown();
    }
}
