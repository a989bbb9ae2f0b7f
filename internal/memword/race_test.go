//go:build race

package memword

const raceBuild = true
