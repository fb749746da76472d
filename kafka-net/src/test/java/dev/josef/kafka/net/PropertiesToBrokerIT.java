package dev.josef.kafka.net;

import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.testkit.KafkaCluster;
import dev.josef.kafka.testkit.Listener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path a migrating user takes: kafka-clients property names, parsed by
 * NetworkConfig.fromProperties, turned into the engine's settings, against a real
 * broker's SASL_SSL listener, for each built-in mechanism, OAUTHBEARER included.
 */
class PropertiesToBrokerIT {
    private static KafkaCluster cluster;

    @BeforeAll
    static void start() {
        cluster = KafkaCluster.builder()
                .listeners(Listener.SASL_SSL)
                .user("alice", "alice-secret")
                // Kafka's default OAUTHBEARER validator accepts unsigned JWTs with a "sub" and an "exp".
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER")
                .brokerProperty("listener.name.sasl_ssl.oauthbearer.sasl.jaas.config",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                                + " unsecuredLoginStringClaim_sub=\"admin\";")
                .start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "PLAIN | org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"alice-secret\";",
            "SCRAM-SHA-256 | org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";",
            "SCRAM-SHA-512 | org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";",
            "OAUTHBEARER | org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"alice\";"})
    void kafkaClientsPropertiesReachTheBrokerOverSaslSsl(String mechanism, String jaas) throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put("bootstrap.servers", cluster.bootstrapServers(Listener.SASL_SSL));
        properties.put("client.id", "properties-it");
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.mechanism", mechanism);
        properties.put("sasl.jaas.config", jaas);
        properties.put("ssl.truststore.location", cluster.truststore().toString());
        properties.put("ssl.truststore.password", cluster.truststorePassword());
        properties.put("ssl.truststore.type", "PKCS12");
        NetworkConfig config = NetworkConfig.fromProperties(properties);
        assertThat(config.toString()).doesNotContain("alice-secret");
        try (NetworkClient client = NetworkClient.open(EngineConfigs.from(config))) {
            ClusterMetadata metadata = client.refreshMetadata().get(30, TimeUnit.SECONDS);
            assertThat(metadata.brokers()).hasSize(1);
            assertThat(metadata.clusterId()).isNotBlank();
        }
    }
}
