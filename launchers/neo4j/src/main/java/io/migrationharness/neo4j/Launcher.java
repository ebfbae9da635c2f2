package io.migrationharness.neo4j;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs an embedded Neo4j Community DBMS as a loopback-only Bolt server process.
 *
 * <pre>
 * java [jvm opts] -cp launcher.jar:NEO4J_CLASSPATH io.migrationharness.neo4j.Launcher \
 *     --home DIR --bolt-port PORT [--listen 127.0.0.1] [--page-cache 64m] [--watch-stdin]
 * java -cp launcher.jar:NEO4J_CLASSPATH io.migrationharness.neo4j.Launcher --version-only
 * </pre>
 *
 * Protocol on stdout (everything else the JVM or Neo4j would print on stdout is
 * redirected to stderr, so stdout only ever carries these lines):
 * <ul>
 *   <li>{@code MH-LAUNCHER READY bolt=HOST:PORT version=V edition=community} once Bolt answers a handshake</li>
 *   <li>{@code MH-LAUNCHER FAILED <cause>} on any startup failure (exit code 1, stack trace on stderr)</li>
 *   <li>{@code MH-LAUNCHER STOPPED} after a clean shutdown (SIGTERM/SIGINT or stdin EOF; exit code 0)</li>
 * </ul>
 *
 * The password of user {@code neo4j} comes from the environment variable
 * {@code MH_NEO4J_PASSWORD}; it is never read from argv and never printed.
 *
 * Only APIs whose binary signatures are identical in 4.4, 5.x, 2025.x and 2026.x are
 * called directly (DatabaseManagementServiceBuilder(Path), loadPropertiesFromFile(Path),
 * build(), database(String), executeTransactionally(...), shutdown()); the version is
 * read reflectively; setting names are chosen per major version.
 */
public final class Launcher {
    public static final String PASSWORD_ENV = "MH_NEO4J_PASSWORD";
    private static final String PREFIX = "MH-LAUNCHER ";

    /** The real stdout, reserved for protocol lines. */
    private static PrintStream proto;

    private static final Object LOCK = new Object();
    private static volatile DatabaseManagementService dbms;
    private static volatile boolean stopping;
    private static volatile boolean failed;

    private Launcher() {}

    // ------------------------------------------------------------------ options

    static final class Options {
        Path home;
        int boltPort = -1;
        String listen = "127.0.0.1";
        String pageCache = "64m";
        boolean watchStdin;
        boolean versionOnly;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home":
                    o.home = Paths.get(value(args, ++i, a));
                    break;
                case "--bolt-port":
                    String p = value(args, ++i, a);
                    try {
                        o.boltPort = Integer.parseInt(p);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--bolt-port: not a number: " + p);
                    }
                    if (o.boltPort < 1 || o.boltPort > 65535) {
                        throw new IllegalArgumentException("--bolt-port: out of range: " + p);
                    }
                    break;
                case "--listen":
                    o.listen = value(args, ++i, a);
                    break;
                case "--page-cache":
                    o.pageCache = value(args, ++i, a);
                    if (!o.pageCache.matches("[0-9]+[kKmMgG]?")) {
                        throw new IllegalArgumentException("--page-cache: expected e.g. 64m, got " + o.pageCache);
                    }
                    break;
                case "--watch-stdin":
                    o.watchStdin = true;
                    break;
                case "--version-only":
                    o.versionOnly = true;
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument: " + a
                            + " (usage: --home DIR --bolt-port PORT [--listen 127.0.0.1] [--page-cache 64m]"
                            + " [--watch-stdin] | --version-only)");
            }
        }
        if (!o.versionOnly) {
            if (o.home == null) throw new IllegalArgumentException("--home DIR is required");
            if (o.boltPort < 0) throw new IllegalArgumentException("--bolt-port PORT is required");
        }
        return o;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) {
        proto = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        // Keep stdout clean for the protocol: anything else goes to stderr.
        System.setOut(System.err);

        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            fail(e.getMessage(), e);
            return;
        }

        if (o.versionOnly) {
            try {
                proto.println(kernelVersion());
                proto.flush();
                System.exit(0);
            } catch (Throwable t) {
                fail("cannot read the Neo4j version from the classpath: " + oneLine(t), t);
            }
            return;
        }

        try {
            run(o);
        } catch (Throwable t) {
            fail(describe(t, o), t);
        }
    }

    private static void run(Options o) throws Exception {
        String password = System.getenv(PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            throw new LauncherException("environment variable " + PASSWORD_ENV + " is not set");
        }
        if (password.length() < 8) {
            throw new LauncherException(PASSWORD_ENV + " is shorter than 8 characters (Neo4j's minimum)");
        }
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            throw new LauncherException(PASSWORD_ENV + " contains a line break");
        }

        Path home = o.home.toAbsolutePath().normalize();
        Files.createDirectories(home);
        if (!Files.isDirectory(home) || !Files.isWritable(home)) {
            throw new LauncherException("--home " + home + " is not a writable directory");
        }

        String version = kernelVersion();
        boolean legacy = version.startsWith("4.");

        Runtime.getRuntime().addShutdownHook(new Thread(Launcher::shutdownHook, "mh-launcher-shutdown"));
        if (o.watchStdin) {
            Thread t = new Thread(Launcher::watchStdin, "mh-launcher-stdin-watch");
            t.setDaemon(true);
            t.start();
        }

        checkPortFree(o.listen, o.boltPort);

        Path conf = writeConfig(home, o, legacy);

        long t0 = System.nanoTime();
        DatabaseManagementService service =
                new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        synchronized (LOCK) {
            dbms = service;
            if (stopping) return; // a signal arrived while starting; the hook shuts down
        }

        long tBuilt = System.nanoTime();
        GraphDatabaseService system = service.database("system");
        setPassword(system, password);
        long tPassword = System.nanoTime();

        String[] ve = components(system, version);
        String boltVersion = waitForBolt(o.listen, o.boltPort, 60_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.println("mh-launcher: neo4j " + ve[0] + " started in " + ms + " ms (dbms "
                + (tBuilt - t0) / 1_000_000 + " ms, password " + (tPassword - tBuilt) / 1_000_000
                + " ms, jvm uptime " + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
                + " ms); bolt handshake agreed "
                + boltVersion + "; bolt 4.4 " + (boltAccepts(o.listen, o.boltPort, new int[] {0x00000404})
                        ? "accepted" : "NOT accepted"));

        synchronized (LOCK) {
            if (stopping) return;
            proto.println(PREFIX + "READY bolt=" + o.listen + ":" + o.boltPort + " version=" + ve[0]
                    + " edition=" + ve[1]);
            proto.flush();
        }

        new CountDownLatch(1).await(); // until a signal or stdin EOF ends the JVM
    }

    // ------------------------------------------------------------------ config

    private static Path writeConfig(Path home, Options o, boolean legacy) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        String bolt = o.listen + ":" + o.boltPort;
        if (legacy) { // 4.4 names
            c.put("dbms.config.strict_validation", "true");
            c.put("dbms.default_listen_address", o.listen);
            c.put("dbms.default_advertised_address", o.listen);
            c.put("dbms.connector.bolt.enabled", "true");
            c.put("dbms.connector.bolt.listen_address", bolt);
            c.put("dbms.connector.bolt.advertised_address", bolt);
            c.put("dbms.connector.bolt.tls_level", "DISABLED");
            c.put("dbms.connector.http.enabled", "false");
            c.put("dbms.connector.https.enabled", "false");
            c.put("dbms.security.auth_enabled", "true");
            c.put("dbms.memory.pagecache.size", o.pageCache);
            c.put("dbms.tx_log.preallocate", "false");
            c.put("dbms.tx_log.rotation.size", "32M");
            c.put("dbms.logs.debug.level", "WARN");
            c.put("unsupported.dbms.bolt.netty_server_shutdown_quiet_period", "0");
            // 4.4 community has no usage-data collector setting (UDC was removed in 4.0).
        } else { // 5.x, 2025.x, 2026.x names
            c.put("server.config.strict_validation.enabled", "true");
            c.put("server.default_listen_address", o.listen);
            c.put("server.default_advertised_address", o.listen);
            c.put("server.bolt.enabled", "true");
            c.put("server.bolt.listen_address", bolt);
            c.put("server.bolt.advertised_address", bolt);
            c.put("server.bolt.tls_level", "DISABLED");
            c.put("server.http.enabled", "false");
            c.put("server.https.enabled", "false");
            c.put("dbms.security.auth_enabled", "true");
            c.put("server.memory.pagecache.size", o.pageCache);
            c.put("dbms.usage_report.enabled", "false");
            c.put("db.tx_log.preallocate", "false");
            c.put("db.tx_log.rotation.size", "32M");
            // Netty waits a 5 s quiet period per Bolt connector on shutdown otherwise.
            c.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        }
        Path dir = home.resolve("conf");
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder("# written by io.migrationharness.neo4j.Launcher on every start\n");
        for (Map.Entry<String, String> e : c.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        Path conf = dir.resolve("neo4j.conf");
        Path tmp = dir.resolve("neo4j.conf.tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, conf, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return conf;
    }

    // ------------------------------------------------------------------ auth

    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD $p CHANGE NOT REQUIRED", Map.of("p", password));
        } catch (RuntimeException e) {
            // A restart on an existing home: Neo4j refuses to "change" to the same password.
            if (String.valueOf(chainMessages(e)).toLowerCase().contains("same")) {
                system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            } else {
                throw new LauncherException("setting the password of user neo4j failed: " + oneLine(e), e);
            }
        }
    }

    // ------------------------------------------------------------------ version

    /** The kernel version of the Neo4j jars on the classpath (e.g. "5.26.30", "2026.08.1"). */
    static String kernelVersion() throws ReflectiveOperationException {
        Class<?> v = Class.forName("org.neo4j.kernel.internal.Version");
        for (String m : new String[] {"getNeo4jVersion", "getKernelVersion"}) {
            try {
                Object r = v.getMethod(m).invoke(null);
                if (r != null && !r.toString().isEmpty()) return r.toString();
            } catch (NoSuchMethodException ignored) {
                // try the next one
            }
        }
        throw new ClassNotFoundException("org.neo4j.kernel.internal.Version has no usable version method");
    }

    /** [version, edition] from dbms.components(), falling back to the Version class. */
    private static String[] components(GraphDatabaseService system, String fallback) {
        String[] out = {fallback, "community"};
        try {
            system.executeTransactionally("CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition",
                    Map.of(), result -> {
                        while (result.hasNext()) {
                            Map<String, Object> row = result.next();
                            if ("Neo4j Kernel".equals(row.get("name"))) {
                                Object vs = row.get("versions");
                                if (vs instanceof List && !((List<?>) vs).isEmpty()) {
                                    out[0] = String.valueOf(((List<?>) vs).get(0));
                                }
                                out[1] = String.valueOf(row.get("edition")).toLowerCase();
                            }
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            System.err.println("mh-launcher: dbms.components() failed, using the Version class: " + oneLine(e));
        }
        return out;
    }

    // ------------------------------------------------------------------ bolt

    private static void checkPortFree(String host, int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (BindException e) {
            throw new LauncherException("bolt port " + host + ":" + port + " is in use (" + e.getMessage() + ")", e);
        }
    }

    /** Polls until the Bolt connector completes a handshake; returns the agreed version. */
    private static String waitForBolt(String host, int port, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Exception last = null;
        // 5.8..5.0, 4.4..4.2, 3.0
        int[] proposals = {0x00080805, 0x00020404, 0x00000003, 0};
        while (System.currentTimeMillis() < deadline) {
            try {
                int agreed = handshake(host, port, proposals);
                if (agreed != 0) return (agreed & 0xff) + "." + ((agreed >> 8) & 0xff);
                last = new IOException("server agreed on no Bolt version");
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new LauncherException("bolt connector on " + host + ":" + port + " did not answer a handshake: "
                + (last == null ? "timeout" : oneLine(last)), last);
    }

    private static boolean boltAccepts(String host, int port, int[] proposals) {
        try {
            return handshake(host, port, proposals) != 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static int handshake(String host, int port, int[] proposals) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port), 2000);
            s.setSoTimeout(5000);
            byte[] msg = new byte[20];
            msg[0] = 0x60;
            msg[1] = 0x60;
            msg[2] = (byte) 0xB0;
            msg[3] = 0x17;
            for (int i = 0; i < 4; i++) {
                int v = i < proposals.length ? proposals[i] : 0;
                msg[4 + 4 * i] = (byte) (v >>> 24);
                msg[5 + 4 * i] = (byte) (v >>> 16);
                msg[6 + 4 * i] = (byte) (v >>> 8);
                msg[7 + 4 * i] = (byte) v;
            }
            OutputStream out = s.getOutputStream();
            out.write(msg);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] r = in.readNBytes(4);
            if (r.length < 4) throw new IOException("connection closed during Bolt handshake");
            return ((r[0] & 0xff) << 24) | ((r[1] & 0xff) << 16) | ((r[2] & 0xff) << 8) | (r[3] & 0xff);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    private static void watchStdin() {
        try {
            InputStream in = System.in;
            byte[] buf = new byte[256];
            while (in.read(buf) >= 0) {
                // ignore input; only EOF matters
            }
        } catch (IOException e) {
            // a broken stdin counts as the parent being gone
        }
        System.err.println("mh-launcher: stdin closed (parent gone), shutting down");
        System.exit(0); // runs the shutdown hook
    }

    private static void shutdownHook() {
        DatabaseManagementService service;
        synchronized (LOCK) {
            if (failed) return; // fail() owns the exit
            stopping = true;
            service = dbms;
        }
        int code = 0;
        if (service != null) {
            try {
                service.shutdown();
            } catch (Throwable t) {
                code = 1;
                System.err.println("mh-launcher: shutdown failed");
                t.printStackTrace();
                proto.println(PREFIX + "STOP-FAILED " + oneLine(t));
            }
        }
        if (code == 0) proto.println(PREFIX + "STOPPED");
        proto.flush();
        System.err.flush();
        // A JVM ended by SIGTERM would exit 143; a clean stop is reported as 0.
        Runtime.getRuntime().halt(code);
    }

    private static void fail(String cause, Throwable t) {
        DatabaseManagementService service;
        synchronized (LOCK) {
            failed = true;
            service = dbms;
        }
        proto.println(PREFIX + "FAILED " + oneLineText(cause));
        proto.flush();
        if (t != null) t.printStackTrace();
        System.err.flush();
        if (service != null) {
            try {
                service.shutdown();
            } catch (Throwable ignored) {
                // already failing
            }
        }
        Runtime.getRuntime().halt(1);
    }

    // ------------------------------------------------------------------ errors

    static final class LauncherException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LauncherException(String m) {
            super(m);
        }

        LauncherException(String m, Throwable cause) {
            super(m, cause);
        }
    }

    private static String describe(Throwable t, Options o) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof LauncherException) return c.getMessage();
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException || String.valueOf(c.getMessage()).contains("Address already in use")) {
                return "bolt port " + o.listen + ":" + o.boltPort + " is in use (" + c.getMessage() + ")";
            }
        }
        if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
            return "Neo4j classes missing from the classpath: " + oneLine(t);
        }
        if (t instanceof UnsupportedClassVersionError) {
            return "this Neo4j version needs a newer Java than " + System.getProperty("java.version") + ": " + oneLine(t);
        }
        return oneLine(t) + rootSuffix(t);
    }

    private static String rootSuffix(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root == t ? "" : " (root cause: " + oneLine(root) + ")";
    }

    private static String chainMessages(Throwable t) {
        List<String> parts = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) parts.add(String.valueOf(c.getMessage()));
        return String.join(" | ", parts);
    }

    private static String oneLine(Throwable t) {
        return oneLineText(t.getClass().getSimpleName() + ": " + t.getMessage());
    }

    private static String oneLineText(String s) {
        String r = String.valueOf(s).replaceAll("[\\r\\n\\t]+", " ").trim();
        return r.length() > 600 ? r.substring(0, 600) + "..." : r;
    }
}
