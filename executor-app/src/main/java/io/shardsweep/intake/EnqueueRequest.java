package io.shardsweep.intake;

import io.shardsweep.TextExcerpt;
/**
 * One task to enqueue, as a producer sends it. Everything is validated by {@link TaskValidator}, with
 * the executor's own path rules; {@code notBefore} is a string so that a malformed instant gets a
 * message that says what is expected rather than a parser's.
 *
 * @param filePath relative to the storage root, e.g. {@code videos/2026/11/abc.mp4}; required
 * @param businessKey optional producer key; enqueueing the same key again returns the existing task
 * @param notBefore optional ISO-8601 instant ({@code 2026-12-01T00:00:00Z}); not deleted before it
 */
public record EnqueueRequest(String filePath, String businessKey, String notBefore) {

    /** Bounded and escaped: Spring's request tracing logs arguments, and these come from the network. */
    @Override
    public String toString() {
        return "EnqueueRequest[filePath=" + TextExcerpt.quoted(filePath) + ", businessKey=" + TextExcerpt.quoted(businessKey)
                + ", notBefore=" + TextExcerpt.quoted(notBefore) + "]";
    }
}
