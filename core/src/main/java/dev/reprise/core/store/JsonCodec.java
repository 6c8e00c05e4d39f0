package dev.reprise.core.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reprise.core.StoreException;
import java.io.IOException;

/** The JSON mapper for everything Reprise writes to a store: stable key order, readable output. */
public final class JsonCodec {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // Leave out null fields, but keep null map values: a parameter set to null is part of
          // a key, and run records must give back the exact components.
          .setDefaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));

  private JsonCodec() {}

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot write JSON for " + value.getClass().getSimpleName(), e);
    }
  }

  public static <T> T read(byte[] data, Class<T> type, String what) {
    try {
      return MAPPER.readValue(data, type);
    } catch (IOException e) {
      throw new StoreException("unreadable " + what + ": " + e.getMessage(), e);
    }
  }
}
