package dev.reprise.worker.eeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reprise.core.method.Method;
import dev.reprise.core.method.MethodRegistry;
import dev.reprise.core.method.ParamSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class EegMethodsTest {
  @Test
  void everyEegMethodIsDiscoverableAndDocumentsItsParameters() {
    MethodRegistry registry = MethodRegistry.discover(getClass().getClassLoader());
    for (String name :
        List.of("eeg.synthesize", "eeg.load", "eeg.preprocess", "eeg.stats", "eeg.report")) {
      Method m = registry.get(name);
      assertNotNull(m, name + " is not listed in META-INF/services");
      assertEquals(1, m.spec().defaultSlices());
      assertFalse(m.spec().outputs().isEmpty(), name);
      for (ParamSpec p : m.spec().params()) {
        assertFalse(p.doc().isBlank(), name + "." + p.name() + " has no doc");
      }
    }
    assertTrue(
        dev.reprise.core.key.CodeDigest.classes(registry.get("eeg.stats").getClass())
            .containsKey("dev/reprise/worker/eeg/ClusterTest"));
    assertTrue(
        dev.reprise.core.key.CodeDigest.classes(registry.get("eeg.preprocess").getClass())
            .containsKey("dev/reprise/worker/eeg/Decimator"));
  }
}
