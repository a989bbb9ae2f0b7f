package main

import "testing"

func TestQuoteName(t *testing.T) {
	for _, c := range []struct {
		in, name, text string // quoteName and cleanText of in
	}{
		{"orders", "orders", "orders"},
		{"", "", ""},
		{"a b", `a\ b`, "a b"},
		{`back\slash`, `back\\slash`, `back\slash`},
		{"important-db\nwould remove object x", `important-db\nwould\ remove\ object\ x`, `important-db\nwould remove object x`},
		{"esc\x1b[31mred", `esc\033[31mred`, `esc\033[31mred`},
		{"\a\b\t\n\v\f\r", `\a\b\t\n\v\f\r`, `\a\b\t\n\v\f\r`},
		{"\x00\x01\x1f\x7f", `\000\001\037\177`, `\000\001\037\177`},
		{"\xff\xfe", `\377\376`, `\377\376`},
		{"caf\xc3\xa9", "café", "café"},
		{"caf\xc3", `caf\303`, `caf\303`}, // cut in the middle of é
		{"c1\u0085", `c1\302\205`, `c1\302\205`},
		{"surrogate\xed\xa0\x80", `surrogate\355\240\200`, `surrogate\355\240\200`},
		{"emoji\U0001F600", "emoji\U0001F600", "emoji\U0001F600"},
		{"nbsp\u00a0zwsp\u200b", "nbsp\u00a0zwsp\u200b", "nbsp\u00a0zwsp\u200b"},
		{"line\u2028sep", `line\342\200\250sep`, `line\342\200\250sep`},
		{"evil\u202etxt.exe", `evil\342\200\256txt.exe`, `evil\342\200\256txt.exe`},
		{`!$&()*;<=>[^|{}~#%?,:@+'"-`, `!$&()*;<=>[^|{}~#%?,:@+'"-`, `!$&()*;<=>[^|{}~#%?,:@+'"-`},
	} {
		if got := quoteName(c.in); got != c.name {
			t.Errorf("quoteName(%q) = %q, want %q", c.in, got, c.name)
		}
		if got := cleanText(c.in); got != c.text {
			t.Errorf("cleanText(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}
