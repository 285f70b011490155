//go:build race

package daemon_test

// raceBuild is set when the tests run with -race: the daemon they start is
// then built with the race detector too.
const raceBuild = true
