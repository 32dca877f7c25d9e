package dev.sluice.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON dialect of the store. Writing sorts map keys at every depth and uses no whitespace, so equal content
 * always gives equal text (the hash chain covers this text). Reading turns every integral number into a
 * {@link Long}, so that read-back details compare equal whatever their magnitude.
 */
final class StoreJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .build();

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private StoreJson() {
    }

    static String write(Object value) {
        Optional<String> fast = CanonicalJson.write(value);
        if (fast.isPresent()) {
            return fast.get();
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static Map<String, Object> readObject(String json) throws JsonProcessingException {
        return MAPPER.readValue(json, MAP);
    }

    static List<String> readStrings(String json) throws JsonProcessingException {
        return MAPPER.readValue(json, STRINGS);
    }
}
