package dev.microshop.customer;

import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.SecretKeyFactorySpi;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Provider;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A JCA provider put first in the JVM's list for the tests: PBKDF2WithHmacSHA512 is the JDK's
 * own (SunJCE) computation, and each derivation's iteration count is recorded, so that a test can
 * count the hashes a log-in costs instead of timing them. Not a mock: every hash is really computed.
 */
public final class CountingPbkdf2 extends Provider {

  static final String NAME = "MicroshopCountingPbkdf2";
  private static final List<Integer> DERIVATIONS = new ArrayList<>();

  public CountingPbkdf2() {
    super(NAME, "1.0", "PBKDF2WithHmacSHA512 of SunJCE, counted");
    put("SecretKeyFactory.PBKDF2WithHmacSHA512", Spi.class.getName());
  }

  /** The iteration counts of the derivations made since the last call, in order; forgets them. */
  static synchronized List<Integer> take() {
    List<Integer> out = List.copyOf(DERIVATIONS);
    DERIVATIONS.clear();
    return out;
  }

  private static synchronized void record(int iterations) {
    DERIVATIONS.add(iterations);
  }

  /** The service: counts, then lets SunJCE compute. */
  public static final class Spi extends SecretKeyFactorySpi {

    private final SecretKeyFactory real;

    public Spi() throws GeneralSecurityException {
      real = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512", "SunJCE");
    }

    @Override
    protected SecretKey engineGenerateSecret(KeySpec spec) throws InvalidKeySpecException {
      SecretKey key = real.generateSecret(spec);
      record(spec instanceof PBEKeySpec pbe ? pbe.getIterationCount() : -1);
      return key;
    }

    @Override
    protected KeySpec engineGetKeySpec(SecretKey key, Class<?> keySpec) throws InvalidKeySpecException {
      return real.getKeySpec(key, keySpec);
    }

    @Override
    protected SecretKey engineTranslateKey(SecretKey key) throws InvalidKeyException {
      return real.translateKey(key);
    }
  }
}
