package conformance

import (
	"strings"
	"testing"

	"github.com/verbatimhq/verbatim/db"
)

// A claim is found by one of its words typed plainly on an English keyboard — or on the
// language's own, without its marks — in every script newsrooms write: case and accents in
// Latin, Greek and Cyrillic, ß, Turkish dotted and dotless i, Arabic and Hebrew marks and
// Arabic letter forms, full-width forms, and Chinese and Japanese, which have no spaces to
// split words on. The snippet marks the word as it was written.
func testMultilingualFolding(t *testing.T, h Harness) {
	d := h.Open(t, db.Options{})
	tests := []struct {
		lang, text, speaker, query, marked string
	}{
		{"de", "Die Straße nach Kyjiw bleibt offen", "Olaf Scholz", "strasse", "<mark>Straße</mark>"},
		{"de", "Eine ÄUSSERUNG des Kanzlers", "Regierungssprecher", "Äußerung", "<mark>ÄUSSERUNG</mark>"},
		{"fr", "L'Élysée a démenti toute négociation", "Porte-parole", "elysee", "<mark>Élysée</mark>"},
		{"es", "El año de la paz llegará", "Pedro Sánchez", "ano paz", "<mark>año</mark>"},
		{"tr", "İstanbul'da seçim yenilenecek", "Kemal Kılıçdaroğlu", "istanbul", "<mark>İstanbul</mark>"},
		{"tr", "Ülke bunu hak etmiyor", "Kemal Kılıçdaroğlu", "kilicdaroglu", ""},
		{"el", "Ο λαός αποφάσισε με δημοψήφισμα", "Αλέξης Τσίπρας", "δημοψηφισμα", "<mark>δημοψήφισμα</mark>"},
		{"el", "Η Ελλάδα δεν θα υποχωρήσει", "Αλέξης Τσίπρας", "τσιπρας", ""},
		{"ru", "Ёлка на Красной площади будет стоять", "Дмитрий Песков", "елка", "<mark>Ёлка</mark>"},
		{"uk", "Зеленський заявив про перемир'я", "Офіс президента", "зеленський", "<mark>Зеленський</mark>"},
		{"ar", "قال الرئيسُ إنَّ الـمفاوضات مستمرة", "المتحدث", "المفاوضات", "<mark>الـمفاوضات</mark>"},
		{"ar", "هذه مدرسة في مستشفى", "الوزير", "مدرسه", "<mark>مدرسة</mark>"},
		{"he", "אָמַר רֹאשׁ הַמֶּמְשָׁלָה", "דובר", "ראש", "<mark>רֹאשׁ</mark>"},
		{"ja", "日本の首相は「平和」と述べた", "報道官", "首相", "<mark>首相</mark>"},
		{"zh", "中国外交部发言人表示反对", "发言人", "外交部", "<mark>外交部</mark>"},
		{"en", "ＮＡＴＯ isn’t on the table", "Keith Kellogg", "nato", "<mark>ＮＡＴＯ</mark>"},
		{"pl", "Wałęsa powiedział to w Gdańsku", "Lech Wałęsa", "gdansku", "<mark>Gdańsku</mark>"},
		{"vi", "Tiếng Việt là ngôn ngữ của chúng tôi", "Người phát ngôn", `"tieng viet"`, "<mark>Tiếng Việt</mark>"},
	}
	ids := make([]string, len(tests))
	speakers := map[string]string{}
	for i, tt := range tests {
		q := mustQuote(t, d, db.QuoteInput{Text: tt.text, SpeakerName: str(tt.speaker), Lang: str(tt.lang)})
		ids[i], speakers[tt.speaker] = q.ID, q.Speaker.ID
	}
	for i, tt := range tests {
		p, err := d.ListQuotes(bg, db.QuoteFilter{Q: str(tt.query), Limit: 10})
		if err != nil {
			t.Errorf("%s %q: %v", tt.lang, tt.query, err)
			continue
		}
		var found *db.Quote
		for _, q := range p.Data {
			if q.ID == ids[i] {
				found = q
			}
		}
		switch {
		case found == nil:
			t.Errorf("%s: %q does not find %q (%d others)", tt.lang, tt.query, tt.text, len(p.Data))
		case tt.marked != "" && (found.Snippet == nil || !strings.Contains(*found.Snippet, tt.marked)):
			t.Errorf("%s: %q marks %v, want %s", tt.lang, tt.query, found.Snippet, tt.marked)
		}
	}
	// The same folding finds the speakers by name, on every way in.
	for typed, name := range map[string]string{"αλεξης τσιπρας": "Αλέξης Τσίπρας", "KEMAL KILICDAROGLU": "Kemal Kılıçdaroğlu",
		"lech walesa": "Lech Wałęsa", "дмитрии песков": "Дмитрий Песков"} {
		q, err := d.CreateQuote(bg, db.QuoteInput{Text: "by " + typed, SpeakerName: str(typed)})
		if err != nil {
			t.Fatal(err)
		}
		if q.Speaker.ID != speakers[name] {
			t.Errorf("%q made speaker %q, not %s's", typed, q.Speaker.Name, name)
		}
	}
}
