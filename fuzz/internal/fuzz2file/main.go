// Command fuzz2file is file2fuzz backwards: it writes the raw bytes of
// `go test fuzz v1` corpus files that hold one []byte value (the seeds
// under testdata/fuzz/) as the plain files go-fuzz reads its corpus from.
//
//	go run ./fuzz/internal/fuzz2file -o DIR FILE_OR_DIR...
//
// A directory argument means every file in it. Files that are not of that
// form are reported and skipped.
package main

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("fuzz2file: ")
	out := flag.String("o", "", "output directory (required)")
	flag.Parse()
	if *out == "" {
		log.Fatal("usage: fuzz2file -o DIR FILE_OR_DIR...")
	}
	if err := os.MkdirAll(*out, 0755); err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, arg := range flag.Args() {
		files := []string{arg}
		if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
			ents, err := os.ReadDir(arg)
			if err != nil {
				log.Fatal(err)
			}
			files = files[:0]
			for _, e := range ents {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(arg, e.Name()))
				}
			}
		} else if errors.Is(err, os.ErrNotExist) {
			continue // no seeds for this target yet
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				log.Fatal(err)
			}
			raw, err := decode(b)
			if err != nil {
				log.Printf("%s: %v (skipped)", f, err)
				continue
			}
			// go-fuzz names corpus files by the SHA-1 of their contents.
			name := filepath.Join(*out, fmt.Sprintf("%x", sha1.Sum(raw)))
			if err := os.WriteFile(name, raw, 0644); err != nil {
				log.Fatal(err)
			}
			n++
		}
	}
	log.Printf("%d inputs written to %s", n, *out)
}

// decode reads a `go test fuzz v1` file holding one []byte value.
func decode(b []byte) ([]byte, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || strings.TrimSpace(lines[0]) != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file of one value")
	}
	v := strings.TrimSpace(lines[1])
	if !strings.HasPrefix(v, "[]byte(") || !strings.HasSuffix(v, ")") {
		return nil, fmt.Errorf("value %.40q is not a []byte", v)
	}
	s, err := strconv.Unquote(v[len("[]byte(") : len(v)-1])
	if err != nil {
		return nil, err
	}
	return bytes.Clone([]byte(s)), nil
}
