package io.shardsweep.storage;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which storage backend deletes the rows, under {@code shardsweep.storage.*}.
 *
 * @param type {@code filesystem} (files below {@code shardsweep.storage-root}) or {@code s3} (objects
 *     in the buckets of {@code shardsweep.s3.buckets}, {@code file_path} = {@code <bucket>/<key>})
 */
@ConfigurationProperties("shardsweep.storage")
public record StorageProperties(@DefaultValue("filesystem") Type type) {

    /** The backends. */
    public enum Type {
        /** Files below the storage root. */
        FILESYSTEM,
        /** Objects in an S3 API: AWS S3, MinIO, any S3-compatible store. */
        S3
    }

    public StorageProperties {
        if (type == null) {
            throw new IllegalArgumentException("shardsweep.storage.type must be filesystem or s3");
        }
    }
}
