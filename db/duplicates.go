package db

// Named is a speaker or outlet as duplicates are found: its folded names and aliases, and
// what else tells two apart or together.
type Named struct {
	ID   string
	Keys []string // the folded name, then the folded aliases
	QID  *string  // a speaker's Wikidata QID
	URL  *string  // an outlet's web address
}
