package dev.reprise.core.pipeline;

import dev.reprise.core.InvalidInputException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A pipeline document with one or more {@link Problem}s; the message lists them all, one a line.
 */
public class InvalidPipelineException extends InvalidInputException {
  private final List<Problem> problems;

  public InvalidPipelineException(List<Problem> problems) {
    super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
