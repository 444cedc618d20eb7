# The JVM settings of a clustered service instance (scripts/cluster.sh, scripts/node.sh), measured for a
# small idle footprint (docs/clustering.md, "Lean JVMs"):
# - C1 only (TieredStopAtLevel=1): several JVMs on a few cores spend their CPU compiling with C2 (in one
#   measured run each instance's compiler threads took 10-15 s of CPU in its first minute, half of all
#   it used; the clustered order load ran at 45/s with C2 against 112-133/s with C1, and still 115
#   against 124 after a 150 s warm-up); C1 also keeps some 15-20 MB less code and compiler memory;
# - the serial collector: no GC threads or remembered sets (G1 is the default on 2+ cores and 2+ GB);
# - a heap that starts at 16 MB and grows to at most 128 MB, keeping 10-30 % free after a collection;
# - a young generation of 8 MB (by default a third of the heap): 2-3 MB less idle, and the clustered
#   order load no slower (alternated runs: 122 and 109 approved/s without, 172 and 119 with);
# - the malloc'd memory the JVM freed (compiler arenas, mostly) given back to the OS every 5 s
#   (TrimNativeHeapInterval: JDK 17.0.9+ and 21.0.1+; another JDK ignores it);
# - at most 2 malloc arenas (glibc's default is 8 per core);
# - one Hazelcast event thread, one IO thread each way and one response thread (defaults 5, 3+3, 2): the
#   shop's Hazelcast traffic is membership, heartbeats and the small maps of Vert.x and the discovery
#   (the event bus has its own connections); 1-2 MB less idle, the clustered order load no slower
#   (alternated runs: 161 and 129 approved/s with, 136 and 138 without); and Hazelcast's own metrics
#   (collected every 5 s, read by nobody: the shop's metrics are Micrometer's) and health monitor
#   (it logs at INFO, below the WARN that logback-loggers.xml keeps of com.hazelcast) off;
# - huge methods compiled (-XX:-DontCompileHugeMethods): HotSpot by default never compiles a method of more
#   than 8,000 bytes of bytecode, and the web's request validation runs one (vertx-json-schema's
#   SchemaValidatorImpl.validate, ~9,300 bytes), interpreted for the JVM's whole life otherwise: with C1 an
#   order's body validates in 32 us against 60 (C2: 12 against 42; 13 % of the all-in-one's CPU samples
#   under the order load, 4.3 % compiled). It is the only hot method that large in the jars (the others are
#   class initialisers, run once). With C1 the instances' RSS did not change (full bench, idle and after
#   each load, against the run before). Not in SHOP_JAVA_OPTS: C2's compilation of that method took the
#   all-in-one's peak RSS from 259 to 394 MB (VmHWM, two all-in-ones side by side, the same storm) and the
#   full bench's to 403 MB, over its 350 MB bound. SchemaValidatorJitTest checks both.
# JAVA_OPTS replaces LEAN_JAVA_OPTS (and SHOP_JAVA_OPTS); MALLOC_ARENA_MAX set in the environment wins.
LEAN_JAVA_OPTS="-XX:TieredStopAtLevel=1 -Xms16m -Xmx128m -Xmn8m -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 \
-XX:+IgnoreUnrecognizedVMOptions -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 \
-Dhazelcast.event.thread.count=1 -Dhazelcast.io.thread.count=1 -Dhazelcast.operation.response.thread.count=1 \
-Dhazelcast.metrics.enabled=false -Dhazelcast.health.monitoring.level=OFF -XX:-DontCompileHugeMethods"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# The all-in-one's JVM (scripts/run.sh, scripts/bench.sh), sized so that its RSS stays under 350 MB
# however full its heap gets (MB as the bench reports them, 2^20 bytes):
# - the RSS is the heap's touched pages plus ~150 MB outside it (metaspace 39, code 32, the CDS archive 12,
#   symbols 8, threads 6, direct buffers 6, malloc'd memory 20-35, libjvm);
# - the serial collector's old generation keeps what it was promoted until its first full collection
#   (16-45 MB after 8 minutes of loads; the bench's 256-client overload promoted ~73 MB in 20 s; after it,
#   a class histogram found ~95,000 events live, held by an event reader's drain that kept every batch
#   it had applied: mended, the overload's peak RSS fell from 351-362 to 258-263 MB in one-JVM runs,
#   with no full collection), so only
#   the heap's maximum bounds the RSS: -Xmx256m alone peaked at 277-308 MB in three JVMs side by side,
#   184 MB outside the heap in the one looked at, up to ~440 MB once full (356 MB in one full bench);
# - MALLOC_ARENA_MAX=2 and the 5 s native trim took ~35 MB off that (277 against 309 MB at the same
#   moment): 144-148 MB outside the heap in five JVMs, so a 192 MB heap bounds the whole at ~340 MB
#   (338 MB in the next full bench);
# - its young generation stays the 85 MB that -Xmx256m gives: with the default third of 192 MB (64 MB)
#   the order load ran 254/320/307 against 289/330/334 approved/s, with 85 MB 293/321/261 against
#   307/270/288 (alternated 15 s loads of two all-in-ones side by side);
# - C2 stays: one JVM warms it up;
# - Vert.x's two event loops per core stay. Tried: one per core (-Dvertx.options.eventLoopPoolSize=2).
#   Three all-in-ones side by side, paced 230 orders/s, 4 alternated rounds each: the shop's JVM 3.01
#   CPU-ms per order with 4 loops, 2.50 with 2, 2.08 with 1, the machine 94/90/86 % busy, but the p99s
#   did not rank (91-156, 96-261, 90-204 ms); the full bench with 2 loops then had the paced p99 at 130.0
#   against 102.0 ms, the overload's accepted p99 at 1,090 against 711 ms and the RSS under load at 354
#   against 341 MB (one run each, the run before with 4 loops);
# - huge methods left interpreted (HotSpot's default), unlike a clustered instance's above: C2 compiling the
#   request validator's 9,300-byte method peaked the RSS at ~400 MB.
SHOP_JAVA_OPTS="-Xmx192m -Xmn85m -XX:+UseSerialGC \
-XX:+IgnoreUnrecognizedVMOptions -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000"

# A service's database server (DbServerMain) runs from the all-in-one jar: the service jars carry no
# PostgreSQL. A small JVM that mostly waits: PostgreSQL does the work. Its heap may grow to 160 MB for
# one task: the first start on a machine unpacks PostgreSQL's programs (zonky holds the 14 MB archive
# twice and the files it has read but not yet written: out of memory with at most 64 or 96 MB, ~76 MB
# used with 128). Once the server runs, DbServerMain collects once and the heap shrinks to its live data
# at that collection (-ShrinkHeapInSteps; else the serial collector shrinks it over several): measured
# RSS of a server that unpacked 99 MB (157 MB without), of one that did not 65-67 MB (76 MB with the
# former -Xmx64m alone).
DB_SERVER_JAR=app/target/microshop-fat.jar
DB_SERVER_JAVA=(java -Xms16m -Xmx160m -Xmn8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$DB_SERVER_JAR" dev.microshop.common.db.DbServerMain)
