package dev.reprise.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** One stage: a method or a command, its parameters, its inputs and its slice count. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.method) != has(self.command)",
    message = "a stage runs either a method or a command: give exactly one of them")
@ValidationRule(
    value = "!has(self.command) || has(self.image)",
    message = "a command stage needs an image on Kubernetes")
public class StageSpec {
  /** Kubernetes DNS-1123 label: stage names become parts of labels and event messages. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  @JsonPropertyDescription(
      "Stage name, unique in the pipeline; other stages' inputs refer to it. A DNS-1123 label: at"
          + " most 63 lower-case letters, digits and '-', starting and ending with a letter or"
          + " digit. Renaming a stage changes no key.")
  @Required
  @Pattern(DNS_LABEL)
  @Size(min = 1, max = 63)
  private String name;

  @JsonPropertyDescription(
      "The method the stage runs, e.g. eeg.decode; 'reprise methods' lists the methods with their"
          + " inputs and parameters. A stage has either method or command.")
  @Size(min = 1)
  private String method;

  @JsonPropertyDescription(
      "A command stage: the program's argv, run in 'image' with no shell unless it names one, e.g."
          + " [python3, features.py]. It reads REPRISE_INPUTS/<input>/..., REPRISE_PARAMS (a JSON"
          + " file) and REPRISE_SLICE/REPRISE_SLICES, and leaves its outputs in REPRISE_OUTPUTS;"
          + " exit 2 means invalid input (not retried). Part of the key.")
  @Size(min = 1)
  private List<String> command;

  @JsonPropertyDescription(
      "A command stage's container image, e.g. python:3.12-slim; required on Kubernetes. Keyed as"
          + " written: a tag can move, name@sha256:... pins it.")
  @Size(min = 1)
  private String image;

  @JsonPropertyDescription(
      "A command stage's files, laid out in its working directory: each a path and the sha256 of"
          + " its content in the store, as 'reprise push' prints them. Part of the key.")
  private List<ShippedFile> files;

  @JsonPropertyDescription(
      "A command stage's extra environment variables (not REPRISE_*); part of the key.")
  private Map<String, String> env;

  @JsonPropertyDescription(
      "Maps each of the method's input names to the upstream stage whose outputs it reads, e.g."
          + " {epochs: clean}.")
  private Map<String, String> inputs;

  @JsonPropertyDescription(
      "The method's parameters, by name, e.g. {folds: 5}; unset ones take the method's defaults,"
          + " and writing a default explicitly changes no key. The operator checks names, types and"
          + " ranges, and sets the phase Invalid if they are wrong.")
  @PreserveUnknownFields
  private JsonNode params;

  @JsonPropertyDescription(
      "How many slices the method's analysis phase is split into, each run by its own pod; part of"
          + " the stage's key. Above 1 only for methods with an analysis phase. Default: the"
          + " method's default (1 for the built-in methods).")
  @Min(1)
  @Max(100000)
  private Integer slices;

  @JsonPropertyDescription(
      "CPU and memory requested by each pod of the stage; not part of the key.")
  private StageResources resources;

  @JsonPropertyDescription(
      "How long each of the stage's Jobs may run before Kubernetes stops it and the stage fails"
          + " (the Job's activeDeadlineSeconds), e.g. 90s, 30m, 2h or 1h30m; not part of the key."
          + " Default: the chart's worker.timeout.")
  @Pattern("^([0-9]{1,9}[smhd])+$")
  private String timeout;

  public String getTimeout() {
    return timeout;
  }

  public void setTimeout(String timeout) {
    this.timeout = timeout;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getMethod() {
    return method;
  }

  public void setMethod(String method) {
    this.method = method;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public List<ShippedFile> getFiles() {
    return files;
  }

  public void setFiles(List<ShippedFile> files) {
    this.files = files;
  }

  public Map<String, String> getEnv() {
    return env;
  }

  public void setEnv(Map<String, String> env) {
    this.env = env;
  }

  public Map<String, String> getInputs() {
    return inputs;
  }

  public void setInputs(Map<String, String> inputs) {
    this.inputs = inputs;
  }

  public JsonNode getParams() {
    return params;
  }

  public void setParams(JsonNode params) {
    this.params = params;
  }

  public Integer getSlices() {
    return slices;
  }

  public void setSlices(Integer slices) {
    this.slices = slices;
  }

  public StageResources getResources() {
    return resources;
  }

  public void setResources(StageResources resources) {
    this.resources = resources;
  }
}
