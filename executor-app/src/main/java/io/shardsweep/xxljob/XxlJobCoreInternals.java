package io.shardsweep.xxljob;

import com.xxl.job.core.executor.XxlJobExecutor;
import com.xxl.job.core.log.XxlJobFileAppender;
import com.xxl.job.core.thread.TriggerCallbackThread;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.util.ReflectionUtils;

/**
 * Every place where ShardSweep reaches past xxl-job-core 3.3.2's public API, in one class: an upgrade
 * of xxl-job-core touches this file, and a core that changed underneath fails the start here, loudly,
 * instead of running with a silently different behaviour.
 */
final class XxlJobCoreInternals {

    private static final String SUPPORTED = "ShardSweep supports xxl-job-core 3.3.2";

    private XxlJobCoreInternals() {
    }

    /** The admin client list has no public initializer: {@code XxlJobExecutor.initAdminBizList} is private. */
    static void initAdminClients(XxlJobExecutor executor, String addresses, String token, int timeout) {
        Method init = ReflectionUtils.findMethod(XxlJobExecutor.class, "initAdminBizList", String.class, String.class, int.class);
        if (init == null) {
            throw new IllegalStateException("xxl-job-core no longer has XxlJobExecutor.initAdminBizList; " + SUPPORTED);
        }
        ReflectionUtils.makeAccessible(init);
        ReflectionUtils.invokeMethod(init, executor, addresses, token, timeout);
    }

    /**
     * Where this executor keeps its run logs, its failed callbacks and GLUE sources. Run logs stay
     * where xxl-job-core puts them ({@code logPath/yyyy-MM-dd/<logId>.log}); both other folders get a
     * sub-folder of this instance, {@code port-<executor port>}.
     */
    record Folders(Path logs, Path callbacks, Path glueSources) {
    }

    /**
     * Points xxl-job-core's file folders at {@code logPath}, with callbacks and GLUE sources per instance.
     *
     * <p>Why: xxl-job-core 3.3.2 computes its callback folder once, from the built-in default
     * {@code /data/applogs/xxl-job/jobhandler}, and {@link XxlJobFileAppender#initLogPath} moves only
     * the run logs and the GLUE folder. So every executor on a host wrote its failed callbacks to
     * {@code /data/applogs/xxl-job/jobhandler/callbacklogs}, whatever its logpath, and each one's retry
     * thread re-sent, and deleted, the files of all the others. The per-instance sub-folder is named by
     * the executor port: no two executors on one host can hold the same port, and a restarted instance
     * keeps its port, so it finds, and re-sends, exactly the callbacks it failed to deliver before.
     *
     * <p>{@code TriggerCallbackThread} fixes its file name pattern ({@code failCallbackFileName}, a
     * static final) from the folder when its class is initialised. This sets the folder first and then
     * checks the pattern; a class initialised earlier (a second executor in one JVM) fails the start.
     */
    static Folders useLogPath(String logPath, int port) throws IOException {
        XxlJobFileAppender.initLogPath(logPath);
        Path logs = Path.of(XxlJobFileAppender.getLogPath());
        String instance = "port-" + port;
        Path callbacks = Files.createDirectories(logs.resolve("callbacklogs").resolve(instance));
        Path glueSources = Files.createDirectories(logs.resolve("gluesource").resolve(instance));
        setStaticString(XxlJobFileAppender.class, "callbackLogPath", callbacks.toString());
        setStaticString(XxlJobFileAppender.class, "glueSrcPath", glueSources.toString());
        check("XxlJobFileAppender.getCallbackLogPath()", XxlJobFileAppender.getCallbackLogPath(), callbacks.toString());
        check("XxlJobFileAppender.getGlueSrcPath()", XxlJobFileAppender.getGlueSrcPath(), glueSources.toString());
        // Reading the field initialises TriggerCallbackThread, from the folder just set.
        String pattern = staticString(TriggerCallbackThread.class, "failCallbackFileName");
        String expected = callbacks + File.separator + "xxl-job-callback-{x}.log";
        if (!expected.equals(pattern)) {
            throw new IllegalStateException("xxl-job-core's TriggerCallbackThread writes failed callbacks as " + pattern + ", not under "
                    + callbacks + ": its class was initialised before this executor set its folder (one XXL-JOB executor per JVM"
                    + " is supported), or xxl-job-core changed; " + SUPPORTED);
        }
        return new Folders(logs, callbacks, glueSources);
    }

    private static void setStaticString(Class<?> type, String name, String value) {
        Field field = staticStringField(type, name);
        if (Modifier.isFinal(field.getModifiers())) {
            throw new IllegalStateException("xxl-job-core's " + type.getSimpleName() + "." + name + " became final; " + SUPPORTED);
        }
        ReflectionUtils.setField(field, null, value);
    }

    private static String staticString(Class<?> type, String name) {
        return (String) ReflectionUtils.getField(staticStringField(type, name), null);
    }

    private static Field staticStringField(Class<?> type, String name) {
        Field field = ReflectionUtils.findField(type, name, String.class);
        if (field == null || !Modifier.isStatic(field.getModifiers())) {
            throw new IllegalStateException("xxl-job-core no longer has the static String " + type.getSimpleName() + "." + name + "; " + SUPPORTED);
        }
        ReflectionUtils.makeAccessible(field);
        return field;
    }

    private static void check(String what, String actual, String expected) {
        if (!expected.equals(actual)) {
            throw new IllegalStateException("xxl-job-core's " + what + " is " + actual + " after it was set to " + expected + "; " + SUPPORTED);
        }
    }
}
