#!/usr/bin/env bash
# Builds lab-methods.jar from src/ against the reprise jar (build that first at the top of the
# repository: mvn -B -DskipTests package). Needs a JDK 17.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
reprise_jar="$here/../../../worker/target/reprise.jar"
[ -f "$reprise_jar" ] || { echo "build Reprise first: mvn -B -DskipTests package" >&2; exit 2; }
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
javac --release 17 -d "$classes" -cp "$reprise_jar" $(find "$here/src" -name '*.java')
cp -r "$here/src/META-INF" "$classes/"
jar --create --file "$here/lab-methods.jar" -C "$classes" .
echo "wrote $here/lab-methods.jar"
