package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names of objects are bytes: anything but '/' and NUL. Printed raw, a name
// holding a newline forges a line of output ("would remove object
// important-db ...") and one holding ESC drives the terminal. Human output
// therefore shows every name as GNU ls -b (--quoting-style=escape) shows it
// in a UTF-8 locale, and ls -json carries the exact bytes in NameBase64.

// quoteName returns name as ls -b prints it: \a \b \t \n \v \f \r for those
// controls, \\ for a backslash, "\ " for a space, and \ooo (three octal
// digits) for every byte of anything else that is not a printable UTF-8
// character (other control bytes, DEL, C1 controls, bytes that are not
// UTF-8). Unlike ls, it escapes the bidirectional-text controls too
// (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C), which would
// make a terminal show the rest of the line out of order.
func quoteName(name string) string {
	return escape(name, true)
}

// cleanText returns s, a message or a process's command name, with the bytes
// that quoteName escapes escaped the same way, except spaces and
// backslashes, which stay as they are: never a raw control byte.
func cleanText(s string) string {
	return escape(s, false)
}

func escape(s string, name bool) string {
	if !needsEscape(s, name) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			octal(&b, s[i])
		case r < utf8.RuneSelf:
			if e := asciiEscape(byte(r), name); e != "" {
				b.WriteString(e)
			} else {
				b.WriteByte(byte(r))
			}
		case printable(r):
			b.WriteString(s[i : i+size])
		default:
			for j := i; j < i+size; j++ {
				octal(&b, s[j])
			}
		}
		i += size
	}
	return b.String()
}

// needsEscape says whether escape would change s.
func needsEscape(s string, name bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiEscape(c, name) != "" {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || !printable(r) {
			return true
		}
		i += size
	}
	return false
}

// asciiEscape is how ls -b spells the ASCII byte c, or "" if it prints it
// as it is. Outside names (name false) spaces and backslashes stay.
func asciiEscape(c byte, name bool) string {
	switch c {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\v':
		return `\v`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	case '\\':
		if name {
			return `\\`
		}
		return ""
	case ' ':
		if name {
			return `\ `
		}
		return ""
	}
	if c < ' ' || c == 0x7f {
		var b strings.Builder
		octal(&b, c)
		return b.String()
	}
	return ""
}

func octal(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c>>6)
	b.WriteByte('0' + c>>3&7)
	b.WriteByte('0' + c&7)
}

// printable says whether a terminal shows r as a character of its own, as
// glibc's iswprint says in a UTF-8 locale (what ls consults): graphic
// characters and spaces, format characters (zero-width space, soft
// hyphen...) and private-use ones; not controls, line and paragraph
// separators, surrogates or unassigned code points. The bidirectional
// controls are left out on purpose (see quoteName).
func printable(r rune) bool {
	if bidiControl(r) {
		return false
	}
	return unicode.IsGraphic(r) || unicode.In(r, unicode.Cf, unicode.Co)
}

func bidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
