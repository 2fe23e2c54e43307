package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestRun_loadsTheAWSDirectory: -aws-directory is loaded before anything is served, so a
// fixture that AWS could not hold stops the command with the loader's error.
func TestRun_loadsTheAWSDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "aws.json")
	if err := os.WriteFile(file, []byte(`{"accounts": [{"account_id": "123", "users": []}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- run("127.0.0.1:0", "", "", emulator.Options{}, "", file) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "AWS directory "+file) {
			t.Errorf("run: %v, want the AWS directory's error", err)
		}
	case <-time.After(time.Minute): // a guard against a hang, never a pass
		t.Fatal("run served with a fixture that AWS cannot hold")
	}
}

func TestMode_namesEachCloudsFixture(t *testing.T) {
	for _, c := range []struct{ azure, aws, want string }{
		{"", "", "demo mode: any well-formed Azure or AWS credentials connect"},
		{"d.json", "", "Azure directory d.json; demo mode for AWS: any well-formed access key connects"},
		{"", "a.json", "AWS directory a.json; demo mode for Azure: any well-formed Azure credentials connect"},
		{"d.json", "a.json", "Azure directory d.json; AWS directory a.json"},
	} {
		if got := mode(c.azure, c.aws); got != c.want {
			t.Errorf("mode(%q, %q) = %q, want %q", c.azure, c.aws, got, c.want)
		}
	}
}
