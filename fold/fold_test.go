package fold

import "testing"

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"NATO isn’t on the table", "nato isn't on the table"},
		{"NATO isn't on the table", "nato isn't on the table"},
		{"“durable peace”", "\"durable peace\""},
		{"seized—but not all", "seized-but not all"},
		{"Señor  Zelenskyy’s\u00a0words", "senor zelenskyy's words"},
		{"  Gen.\tKellogg \n", "gen. kellogg"},
		{"Straße", "strasse"},
		{"Łódź", "lodz"},
		{"ﬁnal", "final"}, // NFKD splits the ligature
		{"", ""},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
