//go:build linux

package shmfs_test

import (
	"errors"
	"io/fs"
	"os"
	"sync"
)

// errPathEscapes is os.Root's error for a name that leads out of the root
// (not exported by os), taken from os.Root itself.
var errPathEscapes = sync.OnceValue(func() error {
	r, err := os.OpenRoot(os.TempDir())
	if err != nil {
		panic(err)
	}
	defer r.Close()
	_, err = r.Stat("../escape")
	return underlyingErr(err)
})

// underlyingErr is the error inside an *fs.PathError or *os.LinkError.
func underlyingErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
