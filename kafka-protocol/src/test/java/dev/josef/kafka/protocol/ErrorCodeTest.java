package dev.josef.kafka.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Kafka's own {@link Errors} is the reference for codes, names and retriable flags. */
class ErrorCodeTest {

    @ParameterizedTest
    @EnumSource(Errors.class)
    void everyKafkaErrorIsPresentWithTheSameNameAndRetriableFlag(Errors kafka) {
        ErrorCode josef = ErrorCode.forCode(kafka.code());

        assertThat(josef.code()).isEqualTo(kafka.code());
        assertThat(josef.name()).isEqualTo(kafka.name());
        assertThat(josef.retriable())
                .as("retriable flag of %s", kafka)
                .isEqualTo(kafka.exception() instanceof org.apache.kafka.common.errors.RetriableException);
    }

    @Test
    void josefHasNoCodeKafkaLacks() {
        Set<Short> kafkaCodes = Arrays.stream(Errors.values()).map(Errors::code).collect(Collectors.toSet());

        assertThat(ErrorCode.values())
                .allSatisfy(error -> assertThat(kafkaCodes).as("code of %s", error).contains(error.code()))
                .hasSameSizeAs(Errors.values());
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void forCodeFindsEachErrorByItsOwnCode(ErrorCode error) {
        assertThat(ErrorCode.forCode(error.code())).isSameAs(error);
    }

    @ParameterizedTest
    @ValueSource(shorts = {999, -2, Short.MIN_VALUE, Short.MAX_VALUE})
    void forCodeMapsAnUnknownCodeToUnknownServerError(short code) {
        assertThat(ErrorCode.forCode(code)).isSameAs(ErrorCode.UNKNOWN_SERVER_ERROR);
    }

    @Test
    void exceptionForAnUnknownCodeKeepsTheRawCodeAndSaysItIsUnknown() {
        KafkaException exception = ErrorCode.exception((short) 999, "from a newer broker");

        assertThat(exception).isInstanceOf(BrokerException.class);
        BrokerException broker = (BrokerException) exception;
        assertThat(broker.errorCode()).isSameAs(ErrorCode.UNKNOWN_SERVER_ERROR);
        assertThat(broker.rawErrorCode()).isEqualTo((short) 999);
        assertThat(broker.getMessage())
                .contains("unknown error code 999")
                .endsWith("; from a newer broker");
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void exceptionIsRetriableExactlyWhenTheErrorIs(ErrorCode error) {
        KafkaException exception = error.exception("detail");

        if (error.retriable()) {
            assertThat(exception).isInstanceOf(RetriableBrokerException.class);
            assertThat(((RetriableBrokerException) exception).errorCode()).isSameAs(error);
            assertThat(((RetriableBrokerException) exception).rawErrorCode()).isEqualTo(error.code());
        } else {
            assertThat(exception).isInstanceOf(BrokerException.class).isNotInstanceOf(RetriableException.class);
            assertThat(((BrokerException) exception).errorCode()).isSameAs(error);
            assertThat(((BrokerException) exception).rawErrorCode()).isEqualTo(error.code());
        }
    }

    @Test
    void exceptionMessageNamesTheErrorAndItsCodeThenTheDetail() {
        KafkaException exception = ErrorCode.NOT_LEADER_OR_FOLLOWER.exception("topic orders partition 3");

        assertThat(exception.getMessage())
                .isEqualTo("NOT_LEADER_OR_FOLLOWER (6): " + ErrorCode.NOT_LEADER_OR_FOLLOWER.message()
                        + "; topic orders partition 3");
    }

    @Test
    void exceptionMessageLeavesOutAMissingDetail() {
        assertThat(ErrorCode.INVALID_REQUEST.exception(null).getMessage())
                .isEqualTo("INVALID_REQUEST (42): " + ErrorCode.INVALID_REQUEST.message());
        assertThat(ErrorCode.INVALID_REQUEST.exception(" ").getMessage())
                .isEqualTo("INVALID_REQUEST (42): " + ErrorCode.INVALID_REQUEST.message());
    }

    @Test
    void rawCodeExceptionForAKnownCodeMatchesTheEnumsOwn() {
        KafkaException exception = ErrorCode.exception((short) 6, "d");

        assertThat(exception).isInstanceOf(RetriableBrokerException.class);
        assertThat(exception.getMessage()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER.exception("d").getMessage());
    }

    @Test
    void brokerExceptionsCarryNoStackTrace() {
        assertThat(ErrorCode.TOPIC_AUTHORIZATION_FAILED.exception("d").getStackTrace()).isEmpty();
        assertThat(ErrorCode.LEADER_NOT_AVAILABLE.exception("d").getStackTrace()).isEmpty();
    }

    @Test
    void noneHasNoExceptionToRaise() {
        assertThatThrownBy(() -> ErrorCode.NONE.exception("d")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ErrorCode.exception((short) 0, "d")).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyErrorHasAMessageInJosefsOwnWords(ErrorCode error) {
        assertThat(error.message()).isNotBlank();
        String kafkaMessage = Errors.forCode(error.code()).message();
        if (kafkaMessage != null) {
            assertThat(normalized(error.message())).isNotEqualTo(normalized(kafkaMessage));
        }
    }

    @Test
    void noTwoErrorsShareAMessage() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::message)).doesNotHaveDuplicates();
    }

    private static String normalized(String message) {
        return message.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").trim();
    }
}
