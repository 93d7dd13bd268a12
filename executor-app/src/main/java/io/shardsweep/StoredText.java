package io.shardsweep;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * A text column exactly as the database holds it: the bytes, and their string only if they are valid
 * UTF-8. A utf8mb4 column can hold bytes that are not: MariaDB stores the encoding of a UTF-16
 * surrogate ({@code ED B2 80}) without complaint, even in strict mode. The driver's {@code getString}
 * turns such bytes into U+FFFD, which names another file; here they are never turned into a string,
 * so nothing can act on a name the row does not hold.
 */
public final class StoredText {

    /** By the stored bytes, unsigned: code point order for UTF-8, and a total order for any bytes. */
    public static final Comparator<StoredText> BYTE_ORDER = (a, b) -> Arrays.compareUnsigned(a.bytes, b.bytes);

    /** At most this many offending bytes are shown in a reason. */
    private static final int MAX_SHOWN_BYTES = 4;

    private final byte[] bytes;
    private final String text;
    private final int invalidOffset;
    private final int invalidLength;

    private StoredText(byte[] bytes, String text, int invalidOffset, int invalidLength) {
        this.bytes = bytes;
        this.text = text;
        this.invalidOffset = invalidOffset;
        this.invalidLength = invalidLength;
    }

    /**
     * Decodes {@code bytes} strictly: a lone continuation byte, a truncated or overlong sequence, an
     * encoded surrogate (CESU-8) or a code point above U+10FFFF makes the text invalid, never replaced.
     */
    public static StoredText decode(byte[] bytes) {
        byte[] copy = bytes.clone();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(copy);
        CharBuffer out = CharBuffer.allocate(copy.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            return new StoredText(copy, null, in.position(), result.length());
        }
        if (!result.isUnderflow()) {
            // UTF-8 never needs more chars than bytes; anything else is a bug here, not bad data.
            try {
                result.throwException();
            } catch (CharacterCodingException e) {
                throw new IllegalStateException("decoding " + copy.length + " bytes as UTF-8 failed", e);
            }
        }
        return new StoredText(copy, out.flip().toString(), -1, 0);
    }

    public boolean isValidUtf8() {
        return text != null;
    }

    /**
     * The text.
     *
     * @throws IllegalStateException if the bytes are not valid UTF-8: there is no string they stand for
     */
    public String text() {
        if (text == null) {
            throw new IllegalStateException("the stored bytes are " + invalidReason());
        }
        return text;
    }

    /** The bytes as stored. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Where the first invalid sequence starts, in bytes; -1 if the bytes are valid UTF-8. */
    public int invalidOffset() {
        return invalidOffset;
    }

    /** Why the bytes are not text, e.g. {@code not valid UTF-8 (bytes ED B2 80 at offset 4)}; null if they are. */
    public String invalidReason() {
        if (text != null) {
            return null;
        }
        int shown = Math.min(sequenceLength(invalidOffset), bytes.length - invalidOffset);
        String hex = HexFormat.ofDelimiter(" ").withUpperCase()
                .formatHex(Arrays.copyOfRange(bytes, invalidOffset, invalidOffset + shown));
        return "not valid UTF-8 (bytes " + hex + " at offset " + invalidOffset + " of " + bytes.length + ")";
    }

    /**
     * The bytes of the invalid sequence at {@code offset} as a reader sees it: the lead byte and the
     * continuation bytes that follow it, up to the length the lead byte announces. The decoder itself
     * reports ED B2 80 as three one-byte errors, which would show only ED.
     */
    private int sequenceLength(int offset) {
        int lead = bytes[offset] & 0xff;
        int announced = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        int length = 1;
        while (length < announced && offset + length < bytes.length && (bytes[offset + length] & 0xc0) == 0x80) {
            length++;
        }
        return Math.max(length, Math.min(invalidLength, MAX_SHOWN_BYTES));
    }

    /** The text, or why there is none: never a replacement character standing in for bytes. */
    @Override
    public String toString() {
        return text != null ? text : "<" + invalidReason() + ">";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StoredText that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
