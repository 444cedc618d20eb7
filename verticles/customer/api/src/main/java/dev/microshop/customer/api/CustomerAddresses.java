package dev.microshop.customer.api;

/** The event-bus addresses of the customer service. Bodies are JSON. */
public final class CustomerAddresses {

  public static final String SERVICE = "customer";

  /** {@code {name, email, password}} → customer view; 409 when the email is taken. */
  public static final String REGISTER = "customer.register";
  /** {@code {email, password}} → {@code {customerId, role, name}}; 401 for any mismatch, same time whether the email exists or not. */
  public static final String AUTHENTICATE = "customer.authenticate";
  /** {@code {customerId}} → customer view with credit limit, reserved and available credit; 404 when unknown. */
  public static final String GET = "customer.get";
  /** Saga command {@link ReserveCredit} → {@link CreditReservation}; idempotent by order id. */
  public static final String RESERVE_CREDIT = "customer.reserve-credit";
  /** Saga command {@code {commands: [ReserveCredit...]}} (1 to {@code BatchMessages.MAX_COMMANDS}) →
   *  {@code {results: [CreditReservation...]}}, in the same order: {@link #RESERVE_CREDIT} for several
   *  orders in one transaction, each idempotent by its order id and decided on its own. */
  public static final String RESERVE_CREDIT_ALL = "customer.reserve-credit-all";
  /** Saga command {@code {orderId}} → {@link CreditReservation}: gives the credit back; a release
   *  before any reserve leaves a tombstone that blocks a late reserve. */
  public static final String RELEASE_CREDIT = "customer.release-credit";
  /** Admin command {@code {customerId, creditLimit}} → customer view; 409 below the reserved credit. */
  public static final String SET_CREDIT_LIMIT = "customer.set-credit-limit";
  /**
   * Query {@code {}} → {@code {customers: [{customerId, creditLimitCents, reservedCents,
   * reservedByReservationsCents}]}} for invariant checks: the credit the customer's row says its
   * orders hold (what reservations are checked against) and the sum of its reservations held.
   */
  public static final String CREDIT_REPORT = "customer.credit-report";
  public static final String HEALTH = "customer.health";

  private CustomerAddresses() {
  }
}
