package extract

import (
	"strings"
	"testing"
)

// Each language's marks, cues and word order, in short news written for these tests; the
// language detected from the text, and given.
func TestLanguages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang, text, quote, speaker, cue string
	}{
		{"de", "Die Regierung in Berlin hat am Montag über die Lage beraten. „Wir werden die Ukraine weiter unterstützen“, sagte Bundeskanzler Olaf Scholz nach dem Treffen. Die Opposition ist nicht zufrieden.",
			"Wir werden die Ukraine weiter unterstützen", "Olaf Scholz", "sagte"},
		{"de", "Der Minister blieb bei seiner Linie und wies die Kritik zurück. »Das ist eine Frage der Verantwortung«, so Boris Pistorius am Abend in Berlin.",
			"Das ist eine Frage der Verantwortung", "Boris Pistorius", "so"},
		{"fr", "Le président a reçu les syndicats à l'Élysée pendant deux heures. « Nous ne céderons pas sur l'essentiel », a déclaré Emmanuel Macron à la sortie de la réunion.",
			"Nous ne céderons pas sur l'essentiel", "Emmanuel Macron", "a déclaré"},
		{"fr", "Élisabeth Borne a présenté le texte devant les députés qui étaient nombreux. « Ce projet est juste et nécessaire », a-t-elle déclaré dans l'hémicycle.",
			"Ce projet est juste et nécessaire", "Élisabeth Borne", "a-t-elle déclaré"},
		{"es", "El Gobierno presentó el plan de vivienda en el Congreso con el apoyo de sus socios.\n—No vamos a dar ni un paso atrás —dijo Pedro Sánchez ante los periodistas.\nLa oposición pidió más detalles.",
			"No vamos a dar ni un paso atrás", "Pedro Sánchez", "dijo"},
		{"es", "La ministra habló en la radio por la mañana. «La inflación seguirá bajando este año», afirmó Nadia Calviño en una entrevista con la cadena.",
			"La inflación seguirá bajando este año", "Nadia Calviño", "afirmó"},
		{"pt", "O presidente falou aos jornalistas no Palácio do Planalto depois da reunião. “O Brasil não vai aceitar nenhuma ameaça”, disse Luiz Inácio Lula da Silva aos repórteres.",
			"O Brasil não vai aceitar nenhuma ameaça", "Luiz Inácio Lula da Silva", "disse"},
		{"it", "La premier è intervenuta alla Camera per un'ora e ha risposto alle domande. «Il governo andrà avanti con le riforme», ha detto Giorgia Meloni ai cronisti.",
			"Il governo andrà avanti con le riforme", "Giorgia Meloni", "ha detto"},
		{"ja", "岸田文雄首相は15日、記者団に「経済対策を速やかに実行する」と述べた。政府は来週にも閣議決定する方針だ。",
			"経済対策を速やかに実行する", "岸田文雄首相", "述べた"},
		{"zh", "外交部发言人毛宁在例行记者会上表示：“中方坚决反对任何形式的制裁。”她还回答了其他问题。",
			"中方坚决反对任何形式的制裁。", "外交部发言人毛宁", "表示"},
		{"zh", "双方举行了会谈。“我们愿意同各方加强合作”，王毅说。会谈持续了两个小时。",
			"我们愿意同各方加强合作", "王毅", "说"},
	}
	for _, tt := range tests {
		for _, given := range []string{"", tt.lang} {
			res := Read(tt.text, Options{Lang: given})
			if res.Lang != tt.lang || res.LangDetected != (given == "") {
				t.Errorf("%s given %q: read as %s (detected %v, %.2f)", tt.lang, given, res.Lang, res.LangDetected, res.LangConfidence)
			}
			var found *Candidate
			for i, c := range res.Candidates {
				if c.Text == tt.quote {
					found = &res.Candidates[i]
				}
			}
			switch {
			case found == nil:
				t.Errorf("%s given %q: %q not found in %+v", tt.lang, given, tt.quote, res.Candidates)
			case found.SpeakerName != tt.speaker || found.Cue != tt.cue:
				t.Errorf("%s given %q: %q by %q, cue %q", tt.lang, given, found.Text, found.SpeakerName, found.Cue)
			case string([]rune(tt.text)[found.Start:found.End]) != found.Text:
				t.Errorf("%s: offsets point elsewhere: %+v", tt.lang, found)
			}
		}
	}
}

// Detection: each language from a few sentences, with a confidence; too little text or
// an unread script is und.
func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, lang string }{
		{"The minister said on Monday that the talks would go on, and that he was not worried by the vote.", "en"},
		{"Der Minister sagte am Montag, dass die Gespräche weitergehen und er sich keine Sorgen mache.", "de"},
		{"Le ministre a dit lundi que les discussions continueraient et qu'il n'était pas inquiet.", "fr"},
		{"El ministro dijo el lunes que las conversaciones seguirán y que no está preocupado por la votación.", "es"},
		{"O ministro disse na segunda-feira que as conversas vão continuar e que não está preocupado com a votação.", "pt"},
		{"Il ministro ha detto lunedì che i colloqui andranno avanti e che non è preoccupato per il voto.", "it"},
		{"首相は月曜日、協議を続けると述べた。", "ja"},
		{"部长周一表示，会谈将继续进行。", "zh"},
		{"Министр заявил в понедельник, что переговоры продолжатся.", "und"},
		{"OK", "und"},
	}
	for _, tt := range tests {
		lang, conf := Detect(tt.text)
		if lang != tt.lang || (lang != "und") != (conf > 0) {
			t.Errorf("%q: %s at %.2f, want %s", tt.text, lang, conf, tt.lang)
		}
	}
}

// A language extraction does not read, or a text too short to tell, is read with every
// language's marks and cues.
func TestUndeterminedLanguage(t *testing.T) {
	t.Parallel()
	for _, given := range []string{"", "nl"} {
		res := Read("„Ja“, sagte Scholz.", Options{Lang: given})
		if want := map[string]string{"": "und", "nl": "nl"}[given]; res.Lang != want || len(Proposals("„Ja“, sagte Scholz.", Options{Lang: given})) != 1 {
			t.Errorf("given %q: read as %s, proposals %+v", given, res.Lang, Proposals("„Ja“, sagte Scholz.", Options{Lang: given}))
		}
	}
}

// BenchmarkDetect: what detecting an article's language costs, per 1,000-word article.
func BenchmarkDetect(b *testing.B) {
	article := strings.Repeat("Die Gespräche in London gingen am zweiten Tag weiter, als sich Vertreter beider Seiten trafen. ", 72)
	for b.Loop() {
		if lang, _ := Detect(article); lang != "de" {
			b.Fatal(lang)
		}
	}
}
