package dev.reprise.core.exec;

import dev.reprise.core.key.CodeDigest;
import dev.reprise.core.key.DataDigests;
import dev.reprise.core.key.KeyComponents;
import dev.reprise.core.method.ParamSpec;
import dev.reprise.core.method.ParamType;
import dev.reprise.core.pipeline.Stage;
import java.util.Map;
import java.util.TreeMap;

/** Computes a stage's {@link KeyComponents} from its spec and its inputs' output digests. */
public final class StageResolver {
  private final DataDigests data;

  public StageResolver(DataDigests data) {
    this.data = data;
  }

  /**
   * @param inputDigests input name to the committed output digest of the upstream stage it names
   */
  public KeyComponents components(Stage stage, Map<String, String> inputDigests) {
    if (stage.isCommand()) {
      return KeyComponents.ofCommand(
          stage.command(), stage.params().asMap(), stage.slices(), inputDigests);
    }
    Map<String, String> dataDigests = new TreeMap<>();
    for (ParamSpec p : stage.method().spec().params()) {
      if (p.type() == ParamType.PATH && !stage.params().isNull(p.name())) {
        dataDigests.put(p.name(), data.digest(stage.params().getPath(p.name())));
      }
    }
    return new KeyComponents(
        stage.methodName(),
        CodeDigest.of(stage.method()),
        stage.params().asMap(),
        stage.slices(),
        inputDigests,
        dataDigests);
  }

  public DataDigests data() {
    return data;
  }
}
