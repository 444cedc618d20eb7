package dev.microshop.app;

import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client threads that place orders ({@code POST /api/orders} with an {@code Idempotency-Key}) as
 * fast as the shop answers, each on a connection of its own so that every request's end is known
 * exactly: refused at connect, written and then left without a whole answer (closed, reset, timed
 * out), or answered. A thread stops at its first request that is not answered 202 (the shop is
 * going or gone), or when told to. With several webs, client i starts on the i-th and a refused
 * connection goes at once to the next one with the same key, as a balancer would send it (every
 * attempt is kept); anything else that is not a 202 stops the thread as with one web.
 */
final class OrderStorm {

  /** How a request ended. */
  enum End { REFUSED, NO_ANSWER, ANSWERED }

  /** A customer of the storm: its id and bearer token. */
  record Customer(String id, String token) {
  }

  /**
   * One request to the web on {@code port}: {@code sentAt} is when its bytes were written (nanoTime; -1 when refused at
   * connect), {@code endedAt} when it ended; {@code status}/{@code body} when answered, else {@code error}.
   */
  record Exchange(int port, String key, Customer customer, JsonObject order, long sentAt, long endedAt, End end,
                  int status, String body, String error, int answerBytes) {

    String orderId() {
      return new JsonObject(body).getString("orderId");
    }

    boolean accepted() {
      return end == End.ANSWERED && status == 202;
    }

    /**
     * Connected, written, then closed without a single byte of answer: the server never took the
     * request (a listener that closes resets the connections still in its backlog; a stopping server
     * closes a connection whose request it has not read).
     */
    boolean neverTaken() {
      return end == End.NO_ANSWER && answerBytes == 0;
    }

    @Override
    public String toString() {
      return end == End.ANSWERED ? key + " → HTTP " + status + " " + body : key + " → " + end + " (" + error + ")";
    }
  }

  private final List<Integer> ports;
  private final List<Customer> customers;
  private final List<String> skus;
  private final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final long pauseMs;

  private OrderStorm(List<Integer> ports, List<Customer> customers, List<String> skus, long pauseMs) {
    this.ports = ports;
    this.customers = customers;
    this.skus = skus;
    this.pauseMs = pauseMs;
  }

  /** Starts {@code clients} threads placing one- or two-line orders of {@code skus} for random customers. */
  static OrderStorm start(int port, List<Customer> customers, List<String> skus, int clients) {
    return start(port, customers, skus, clients, 0);
  }

  /** The same, each client pausing {@code pauseMs} after each answer (a storm that lasts without piling up orders). */
  static OrderStorm start(int port, List<Customer> customers, List<String> skus, int clients, long pauseMs) {
    return start(List.of(port), customers, skus, clients, pauseMs);
  }

  /** The same through several webs: client i starts on the i-th, a refused connection goes to the next. */
  static OrderStorm start(List<Integer> ports, List<Customer> customers, List<String> skus, int clients, long pauseMs) {
    OrderStorm storm = new OrderStorm(List.copyOf(ports), customers, skus, pauseMs);
    for (int i = 0; i < clients; i++) {
      int first = i % ports.size();
      Thread t = new Thread(() -> storm.client(first), "order-storm-" + i);
      t.setDaemon(true);
      storm.threads.add(t);
      t.start();
    }
    return storm;
  }

  private void client(int firstWeb) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (!stopped.get()) {
      Customer customer = customers.get(random.nextInt(customers.size()));
      JsonArray lines = new JsonArray();
      int first = random.nextInt(skus.size());
      lines.add(new JsonObject().put("sku", skus.get(first)).put("quantity", 1 + random.nextInt(2)));
      if (random.nextBoolean()) {
        lines.add(new JsonObject().put("sku", skus.get((first + 1) % skus.size())).put("quantity", 1));
      }
      Exchange e = placeFailingOver(firstWeb, customer, "storm-" + UUID.randomUUID(), new JsonObject().put("lines", lines));
      if (!e.accepted()) {
        return;
      }
      accepted.incrementAndGet();
      if (pauseMs > 0) {
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /**
   * One order, sent again with its key to the next web while the connection is refused (nothing
   * was sent) or reset before a single byte of answer (a closing listener resets the connections
   * still in its backlog: the server never took the request), as a balancer retries an empty
   * response of a request with an Idempotency-Key; at most twice around the webs, 100 ms apart each
   * time round; one web: once.
   */
  private Exchange placeFailingOver(int first, Customer customer, String key, JsonObject order) {
    for (int attempt = 0; ; attempt++) {
      Exchange e = place(ports.get((first + attempt) % ports.size()), customer, key, order);
      exchanges.add(e);
      if (e.end() != End.REFUSED && !e.neverTaken() || ports.size() == 1 || attempt + 1 >= 2 * ports.size()) {
        return e;
      }
      if ((attempt + 1) % ports.size() == 0) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          return e;
        }
      }
    }
  }

  /** How many orders of this storm the shop has accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Waits until the shop has accepted {@code count} orders of this storm; fails after {@code timeout}. */
  void awaitAccepted(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (accepted.get() < count) {
      if (System.nanoTime() > deadline || threads.stream().noneMatch(Thread::isAlive)) {
        throw new AssertionError("the storm got " + accepted.get() + " orders accepted, not " + count
            + "; what did not end in a 202: " + exchanges.stream().filter(e -> !e.accepted()).toList());
      }
      Thread.sleep(5);
    }
  }

  /** Stops the clients (each ends its request in flight first) and returns every request sent. */
  List<Exchange> finish(Duration timeout) throws InterruptedException {
    stopped.set(true);
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " still waiting for an answer " + timeout + " after the storm was stopped");
      }
    }
    return List.copyOf(exchanges);
  }

  /** {@code POST /api/orders} for {@code customer} with {@code key}, on a connection of its own. */
  static Exchange place(int port, Customer customer, String key, JsonObject order) {
    byte[] body = order.encode().getBytes(StandardCharsets.UTF_8);
    String head = "POST /api/orders HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Authorization: Bearer " + customer.token() + "\r\n"
        + "Idempotency-Key: " + key + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "Connection: close\r\n\r\n";
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      } catch (ConnectException refused) {
        return new Exchange(port, key, customer, order, -1, System.nanoTime(), End.REFUSED, 0, null, refused.toString(), 0);
      }
      socket.setSoTimeout(30_000);
      long sentAt;
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      try {
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        return new Exchange(port, key, customer, order, System.nanoTime(), System.nanoTime(), End.NO_ANSWER, 0, null,
            "while writing: " + e, 0);
      }
      sentAt = System.nanoTime();
      String error = "closed before a whole answer";
      try {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = in.read(buf)) >= 0; ) {
          received.write(buf, 0, n);
        }
      } catch (IOException e) {
        error = e.toString();
      }
      return parse(port, key, customer, order, sentAt, received.toByteArray(), error);
    } catch (IOException e) {
      return new Exchange(port, key, customer, order, -1, System.nanoTime(), End.NO_ANSWER, 0, null, e.toString(), 0);
    }
  }

  /** The answer in {@code bytes} when it is whole (status line, headers and Content-Length bytes of body). */
  private static Exchange parse(int port, String key, Customer customer, JsonObject order, long sentAt, byte[] bytes, String error) {
    long endedAt = System.nanoTime();
    String text = new String(bytes, StandardCharsets.UTF_8);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0 || !text.startsWith("HTTP/1.1 ")) {
      return new Exchange(port, key, customer, order, sentAt, endedAt, End.NO_ANSWER, 0, null,
          error + " after " + bytes.length + " bytes", bytes.length);
    }
    int status = Integer.parseInt(text.substring(9, 12));
    int length = -1;
    for (String header : text.substring(0, headEnd).split("\r\n")) {
      if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(header.substring(15).trim());
      }
    }
    byte[] rest = java.util.Arrays.copyOfRange(bytes, text.substring(0, headEnd + 4).getBytes(StandardCharsets.UTF_8).length, bytes.length);
    if (length < 0 || rest.length < length) {
      return new Exchange(port, key, customer, order, sentAt, endedAt, End.NO_ANSWER, status, null,
          error + ": HTTP " + status + " with " + rest.length + " of " + length + " body bytes", bytes.length);
    }
    return new Exchange(port, key, customer, order, sentAt, endedAt, End.ANSWERED, status,
        new String(rest, 0, length, StandardCharsets.UTF_8), null, bytes.length);
  }

  /**
   * Every order of the shop, read by cluster member {@code member}, once all are settled and at least
   * {@code count} exist; fails after {@code timeout}.
   */
  static JsonArray settled(Vertx member, int count, Duration timeout) throws Exception {
    return settled(member, count, timeout, false);
  }

  /**
   * The same; {@code delivered}: once the courier is done too, each order delivered, rejected or
   * cancelled (none approved and not yet shipped, or on its way): the shop is quiet.
   */
  static JsonArray settled(Vertx member, int count, Duration timeout, boolean delivered) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonArray all = new JsonArray();
      for (int offset = 0; ; offset += 1000) {
        JsonArray page = member.eventBus().<JsonObject>request(OrderAddresses.LIST,
                new JsonObject().put("limit", 1000).put("offset", offset))
            .map(m -> m.body().getJsonArray("orders")).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        all.addAll(page);
        if (page.size() < 1000) {
          break;
        }
      }
      List<String> unsettled = all.stream().map(o -> (JsonObject) o)
          .filter(o -> !OrderStatus.valueOf(o.getString("status")).settled() || o.getBoolean("inProgress", false)
              || delivered && List.of(OrderStatus.APPROVED, OrderStatus.SHIPPED).contains(OrderStatus.valueOf(o.getString("status"))))
          .map(o -> o.getString("orderId") + " " + o.getString("status")).toList();
      if (all.size() >= count && unsettled.isEmpty()) {
        return all;
      }
      assertThat(System.nanoTime()).as("%d of %d orders, not settled: %s", all.size(), count, unsettled).isLessThan(deadline);
      Thread.sleep(500);
    }
  }
}
