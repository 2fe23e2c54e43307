// Package demotest tests the shell functions that make demo (examples/quickstart/demo.sh)
// relies on, by running them with bash against fake CLIs. It holds no code of its own.
package demotest
