package fuzzcheck

import "errors"

// errBadFD: Plan 9 has no errnos; the models only need a value.
var errBadFD = errors.New("bad file descriptor")
