//go:build !race

package memword

const raceBuild = false
