package io.shardsweep;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ShardSweepApplication {
    public static void main(String[] args) {
        SpringApplication.run(ShardSweepApplication.class, args);
    }
}
