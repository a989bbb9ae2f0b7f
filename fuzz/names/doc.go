// Package names is the go-fuzz harness of the FuzzNames check: any name
// given to an FS, or to the package-level functions, is refused with
// fs.ErrInvalid or stays inside the namespace. Build it with
// fuzz/gofuzz.sh names (the harness itself is behind the gofuzz build tag).
package names
