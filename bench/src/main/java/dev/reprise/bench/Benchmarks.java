package dev.reprise.bench;

/** Benchmarks of Reprise: each main class prints a Markdown table for docs/benchmarks.md. */
final class Benchmarks {
  private Benchmarks() {}
}
