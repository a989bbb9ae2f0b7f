//go:build !race

package shmfs_test

// raceEnabled: this test binary runs with the race detector.
const raceEnabled = false
