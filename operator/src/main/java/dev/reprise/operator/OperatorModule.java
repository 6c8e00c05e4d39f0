package dev.reprise.operator;

/** Placeholder until the operator issue: the Kubernetes side of Reprise lives here. */
final class OperatorModule {
  private OperatorModule() {}
}
