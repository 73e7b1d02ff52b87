package db

import (
	"regexp"
	"strings"
)

// The forms of the strings the rules check by pattern, stated once: the validator checks
// them, and the OpenAPI document states them (cmd/openapi3 takes them from here). Each is
// a regular expression both Go and ECMAScript read the same way — ASCII classes, literal
// characters, no lookaround — so that what a client's validator accepts is exactly what
// the server does.

// year is 0001 to 9999; leapYear those of them with a 29 February.
const (
	year     = `(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})`
	leapYear = `([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)`
	fullDate = `(` + year + `-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])` +
		`|` + year + `-(0[469]|11)-(0[1-9]|[12][0-9]|30)` +
		`|` + year + `-02-(0[1-9]|1[0-9]|2[0-8])` +
		`|` + leapYear + `-02-29)`
)

// DatePattern is a date said, or a bound of dates said: a real day (YYYY-MM-DD), a month
// (YYYY-MM) or a year (YYYY). NormalizeDate reads exactly these (a test holds the two
// together over four centuries of days).
const DatePattern = `^(` + fullDate + `|` + year + `-(0[1-9]|1[0-2])|` + year + `)$`

// LangPattern is a language tag as BCP 47 (RFC 5646) writes one: a language, then an
// extended language, script, region, variants, extensions and private use, each optional
// — "en", "pt-BR", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996", "en-x-verbatim" — or a
// private-use tag alone ("x-klingon").
const LangPattern = `^(([A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})` + // language
	`(-[A-Za-z]{4})?` + // script
	`(-([A-Za-z]{2}|[0-9]{3}))?` + // region
	`(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*` + // variants
	`(-[0-9A-WYZa-wyz](-[A-Za-z0-9]{2,8})+)*` + // extensions
	`(-[Xx](-[A-Za-z0-9]{1,8})+)?` + // private use
	`|[Xx](-[A-Za-z0-9]{1,8})+)$`

// CountryPattern is a country as ISO 3166-1 alpha-2 writes it: two capital letters.
const CountryPattern = `^[A-Z]{2}$`

// QIDPattern is a Wikidata item ID.
const QIDPattern = `^Q[1-9][0-9]{0,11}$`

// FacetsPattern is a comma-separated list of Facets, spaces around each allowed.
func FacetsPattern() string {
	facet := `(` + strings.Join(Facets, "|") + `)`
	return `^ *` + facet + ` *(, *` + facet + ` *)*$`
}

// WebURLPattern is an absolute http or https URL: a host name or an IPv4 address, a port if
// any, then a path, query and fragment without spaces or controls, a % only to escape. No
// user or password (a source is never reached with credentials in its address), and no
// IPv6 literal: sources are named, and the form of one is more than a pattern holds.
const WebURLPattern = `^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~-]+(:[0-9]{0,5})?` +
	`([/?#]([^\x00-\x20\x7f%]|%[0-9A-Fa-f]{2})*)?$`

// forbidden are the characters no string of the archive may hold (see textErrors): C0
// controls but tab and line breaks, and DEL.
const forbidden = `\x00-\x08\x0b\x0c\x0e-\x1f\x7f`

// spaces are the characters strings.TrimSpace trims: a string of them alone is blank.
// Those past ASCII stand as themselves: Go writes \x{a0} and ECMAScript \u00a0, and
// neither reads the other's.
const spaces = `\t\n\v\f\r ` + "\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

// TextPattern is what every string of the archive may hold: no forbidden control.
const TextPattern = `^[^` + forbidden + `]*$`

// NotBlankPattern is TextPattern with at least one character that is not a space.
const NotBlankPattern = `^[^` + forbidden + `]*[^` + forbidden + spaces + `][^` + forbidden + `]*$`

var (
	dateRE    = regexp.MustCompile(DatePattern)
	langRE    = regexp.MustCompile(LangPattern)
	qidRE     = regexp.MustCompile(QIDPattern)
	countryRE = regexp.MustCompile(CountryPattern)
	webURLRE  = regexp.MustCompile(WebURLPattern)
)
