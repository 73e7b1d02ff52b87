package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The weights file in the repository is what the trainer makes from PolNeAR with the
// features as they are now: a change to the rules or the features that is not retrained
// fails here. It needs the corpus beside the repository, as the evaluations do.
func TestWeightsFileIsReproducible(t *testing.T) {
	corpus := "../../../shared/data/polnear"
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("PolNeAR not beside the repository: %v", err)
	}
	out := filepath.Join(t.TempDir(), "model.json")
	cmd := exec.Command("go", "run", ".", "-corpus", corpus, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../extract/model.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("extract/model.json is not what the trainer makes: run go run ./scripts/extracttrain")
	}
}
