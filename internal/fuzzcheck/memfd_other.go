//go:build !linux

package fuzzcheck

import (
	"errors"
	"os"
)

func memfdCreate(name string) (*os.File, error) { return nil, errors.ErrUnsupported }
