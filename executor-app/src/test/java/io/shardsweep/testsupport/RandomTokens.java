package io.shardsweep.testsupport;

import java.security.SecureRandom;

/** Random secrets for tests: access tokens, passwords. Alphanumeric, so they survive URLs and shells. */
public final class RandomTokens {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomTokens() {
    }

    public static String of(int length) {
        StringBuilder token = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            token.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return token.toString();
    }
}
