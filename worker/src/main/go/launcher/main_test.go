package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readStatus(t *testing.T, ws, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ws, "status", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExitCodeAndStderrTailAreRecorded(t *testing.T) {
	ws := t.TempDir()
	code := run([]string{ws, "--", "sh", "-c", "for i in $(seq 1 30); do echo line$i >&2; done; exit 3"})
	if code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	if got := readStatus(t, ws, "exit"); got != "3\n" {
		t.Fatalf("status/exit = %q", got)
	}
	tail := strings.Split(readStatus(t, ws, "stderr"), "\n")
	if len(tail) != tailLines || tail[0] != "line11" || tail[len(tail)-1] != "line30" {
		t.Fatalf("stderr tail = %v", tail)
	}
}

func TestSliceComesFromTheJobIndex(t *testing.T) {
	ws := t.TempDir()
	t.Setenv("REPRISE_SLICE", "")
	t.Setenv("JOB_COMPLETION_INDEX", "4")
	out := filepath.Join(ws, "slice")
	if code := run([]string{ws, "--", "sh", "-c", "printf %s \"$REPRISE_SLICE\" > " + out}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if b, _ := os.ReadFile(out); string(b) != "4" {
		t.Fatalf("REPRISE_SLICE = %q, want 4", b)
	}
}

func TestMissingProgramIs127WithAReason(t *testing.T) {
	ws := t.TempDir()
	if code := run([]string{ws, "--", "no-such-program-here"}); code != 127 {
		t.Fatalf("exit code %d, want 127", code)
	}
	if !strings.Contains(readStatus(t, ws, "stderr"), "cannot start no-such-program-here") {
		t.Fatalf("stderr tail = %q", readStatus(t, ws, "stderr"))
	}
}

func TestCommittedSliceIsNotRunAgain(t *testing.T) {
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "status"), 0o777)
	os.WriteFile(filepath.Join(ws, "status", "skip"), nil, 0o666)
	marker := filepath.Join(ws, "ran")
	if code := run([]string{ws, "--", "touch", marker}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the program ran although the slice is committed")
	}
	if readStatus(t, ws, "exit") != "0\n" {
		t.Fatal("no exit status for the waiting worker")
	}
}
