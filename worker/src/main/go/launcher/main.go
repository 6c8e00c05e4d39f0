// Command reprise-launcher runs a command stage's program inside the user's image.
//
// An init container (Reprise's worker image) copies this static binary into the pod's shared
// /reprise volume, next to the staged inputs. The user's container then runs
//
//	/reprise/bin/reprise-launcher /reprise -- python3 features.py
//
// so that the image needs no shell, no JVM and no credentials. The launcher runs the program with
// the pod's environment (REPRISE_SLICE taken from JOB_COMPLETION_INDEX), passes its stdout and
// stderr through (they are what `kubectl logs` shows), keeps the last lines of its stderr, and
// finally writes the exit code to <workspace>/status/exit, which the worker container waiting
// beside it reads before it commits the outputs. It exits with the program's exit code.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// tailLines is how many stderr lines the failure message quotes (as the local engine does).
const tailLines = 20

// tailBytes bounds what is kept of stderr while the program runs.
const tailBytes = 64 << 10

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) < 3 || args[1] != "--" {
		fmt.Fprintln(os.Stderr, "usage: reprise-launcher WORKSPACE -- PROGRAM [ARG...]")
		return 2
	}
	status := filepath.Join(args[0], "status")
	argv := args[2:]
	if err := os.MkdirAll(status, 0o777); err != nil {
		fmt.Fprintf(os.Stderr, "reprise-launcher: cannot create %s: %v\n", status, err)
		return 1
	}
	if _, err := os.Stat(filepath.Join(status, "skip")); err == nil {
		fmt.Fprintln(os.Stderr, "reprise-launcher: this slice is already committed; not running it again")
		return finish(status, 0, nil)
	}
	if os.Getenv("REPRISE_SLICE") == "" {
		if i := os.Getenv("JOB_COMPLETION_INDEX"); i != "" {
			os.Setenv("REPRISE_SLICE", i)
		}
	}
	tail := &tailWriter{}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = nil
	cmd.Stdout = os.Stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, tail)
	if err := cmd.Start(); err != nil {
		msg := fmt.Sprintf("reprise-launcher: cannot start %s: %v\n", argv[0], err)
		os.Stderr.WriteString(msg)
		tail.Write([]byte(msg))
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return finish(status, code, tail.lines())
	}
	// The kubelet's SIGTERM (deadline, deletion) goes to the program, which may clean up.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range signals {
			cmd.Process.Signal(s)
		}
	}()
	code := 0
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			fmt.Fprintf(os.Stderr, "reprise-launcher: %v\n", err)
			return finish(status, 1, tail.lines())
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		} else {
			code = exit.ExitCode()
		}
	}
	return finish(status, code, tail.lines())
}

// finish records the stderr tail, then the exit code (atomically, last: it is the signal that the
// program is done), and returns the code.
func finish(status string, code int, lines [][]byte) int {
	if err := os.WriteFile(filepath.Join(status, "stderr"), bytes.Join(lines, []byte("\n")), 0o666); err != nil {
		fmt.Fprintf(os.Stderr, "reprise-launcher: cannot write the stderr tail: %v\n", err)
	}
	tmp := filepath.Join(status, "exit.tmp")
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(code)+"\n"), 0o666); err == nil {
		err = os.Rename(tmp, filepath.Join(status, "exit"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "reprise-launcher: cannot record the exit code: %v\n", err)
			return 1
		}
	} else {
		fmt.Fprintf(os.Stderr, "reprise-launcher: cannot record the exit code: %v\n", err)
		return 1
	}
	return code
}

// tailWriter keeps the last tailBytes of what is written to it.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailBytes {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

// lines returns the last tailLines non-empty lines kept.
func (t *tailWriter) lines() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out [][]byte
	for _, l := range bytes.Split(bytes.TrimRight(t.buf, "\n"), []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	if len(out) > tailLines {
		out = out[len(out)-tailLines:]
	}
	return out
}
