package io.shardsweep.claim;

/** The claim owner this instance writes on rows and into history. */
public record InstanceIdentity(String id) {

    public static final int MAX_LENGTH = 128;

    public InstanceIdentity {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("instance id must not be blank");
        }
        if (id.length() > MAX_LENGTH) {
            id = id.substring(0, MAX_LENGTH);
        }
    }
}
