package db

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/verbatimhq/verbatim/search"
)

// Engine is a database Verbatim can keep its archive in: SQLite (db/sqlite, the embedded
// default) or PostgreSQL (db/postgres). An engine stores and finds rows; it decides
// nothing. Who may do what, what a field may hold, what a change does to a verdict, what
// the audit trail records and how versions move are decided above it, in this package,
// once for every engine.
//
// Engines report a missing row as ErrNoRow, a unique key taken as ErrDuplicate, a
// conditional write that found the row changed as ErrStale, and a transaction the
// database gave up on (a deadlock, a serialization failure) as ErrRetry; errors a client
// can act on otherwise (the disk full, the database busy) as *Error with their code.
type Engine interface {
	// Read runs fn in one read-only transaction: every statement sees one snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// ReadReplica is Read for the archive-wide reads (searches, exports, the ClaimReview
	// feed) that may run on a replica; an engine without one reads as Read does.
	ReadReplica(ctx context.Context, fn func(Tx) error) error
	// Reads returns a Tx whose every statement reads on its own, for reads of one
	// statement: no transaction to begin and end.
	Reads() Tx
	// Write runs fn in one read-write transaction and commits it when fn returns nil.
	Write(ctx context.Context, fn func(Tx) error) error
	// DataVersion returns a value that changes whenever anything has been committed to
	// the database — by this process or another — since the last call: the caches hold
	// what they read only while it stays the same.
	DataVersion(ctx context.Context) (string, error)
	// Secret returns the database's key named name (the cursor-signing key), made once
	// when the schema was created.
	Secret(ctx context.Context, name string) ([]byte, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// SchemaVersion is the migration the database is at.
	SchemaVersion(ctx context.Context) (int, error)
	// Verify checks the database's integrity and its search index, and counts its rows.
	Verify(ctx context.Context) (Report, error)
	// Name is "sqlite" or "postgres".
	Name() string
	// RankWindow is how many of the newest quotes holding a query's words an unfiltered
	// relevance search ranks by default: sized to what scoring a match costs the engine.
	RankWindow() int
	Close() error
}

// Loader is an engine that loads a large import into an empty archive faster by building
// its indexes once, at the end (PostgreSQL). BeginLoad does what it needs before the first
// batch and returns what to do after the last (also when the import fails part way);
// into an archive that is not empty it does nothing.
type Loader interface {
	BeginLoad(ctx context.Context) (finish func(context.Context) error, err error)
}

// Errors engines return for the core to turn into what a client is told.
var (
	ErrNoRow     = errors.New("no such row")
	ErrDuplicate = errors.New("a unique key is taken")
	ErrStale     = errors.New("the row changed since it was read")
	ErrRetry     = errors.New("the database gave up on the transaction; run it again")
	// ErrReferenced is a row another refers to (a speaker a quote names) that a
	// concurrent write deleted, or one a delete cannot take away.
	ErrReferenced = errors.New("the row is referred to, or refers to one that is gone")
)

// Tx is what the core reads and writes inside one transaction: a group of methods per
// resource, each group in the file of its resource's name — in the core, which calls it,
// and in both engines, which implement it (quotes.go, citations.go, …). Methods that find
// one row take lock: true when the transaction will write on what it read, so that a
// concurrent writer waits for it (engines with one writer at a time ignore it).
type Tx interface {
	QuoteRows
	BulkRows
	SimilarRows
	AppearanceRows
	VerdictRows
	ReviewRows
	CitationRows
	SpeakerRows
	OutletRows
	MergeRows
	NameLocks
	KeyRows
	AuditRows
	IdempotencyRows
	SessionRows
	ClaimRows
	SearchRows
	WebhookRows
	DeliveryRows
	SourceRows
	LoadRows
	Savepoints
}

// QuoteRows reads and writes quotes (quotes.go).
type QuoteRows interface {
	// Quote reads a quote by ID (its current verdict not attached). ErrNoRow.
	Quote(ctx context.Context, id string, lock bool) (*Quote, error)
	// QuotesBySeq reads the quotes with the given keys, in that order.
	QuotesBySeq(ctx context.Context, seqs []int64) ([]*Quote, error)
	// InsertQuote stores q as it is (ID, version, times, author and extraction
	// included), its tags, its variant bands and its search index entry, and returns its
	// key. ErrDuplicate: the ID or the external ID is taken.
	InsertQuote(ctx context.Context, q *Quote, externalID *string, bands []int64) (int64, error)
	// UpdateQuote stores next over cur (same key) if the stored version is still
	// cur.Version, moving it to next.Version; bands are the variant bands to replace, or
	// nil when the text is unchanged. ErrStale.
	UpdateQuote(ctx context.Context, cur, next *Quote, bands *BandChange) error
	// DeleteQuote removes a quote with its tags, citations, bands and index entry.
	DeleteQuote(ctx context.Context, q *Quote, bands []int64) error
	// QuoteIDByExternalID is the quote imported under key, "" when none is.
	QuoteIDByExternalID(ctx context.Context, key string) (string, error)
	// ExternalIDsStored reports which keys are stored as external IDs.
	ExternalIDsStored(ctx context.Context, keys []string) (map[string]bool, error)
	// CountQuotesBy counts the quotes naming a speaker or an outlet (by "speaker" or
	// "outlet").
	CountQuotesBy(ctx context.Context, by, id string) (int, error)
	// Counts counts quotes, speakers and outlets.
	Counts(ctx context.Context) (Counts, error)
}

// BulkRows loads many quotes at a time (bulk.go).
type BulkRows interface {
	// BulkInsertQuotes stores new quotes as InsertQuote does, many at a time, each row
	// taking its external key unless a stored quote has it. The rows come in parts, as
	// the core decides them: an engine may store each part's rows as it comes (while the
	// core decides the next), but indexes them all at once after the last. It returns
	// each row's key, in the parts' order, 0 for a row whose key was taken.
	BulkInsertQuotes(ctx context.Context, parts iter.Seq[[]*BulkQuote]) ([]int64, error)
}

// SimilarRows finds variants by their bands (similar.go).
type SimilarRows interface {
	// SimilarCandidates lists the quotes (but exclude) sharing the most bands with
	// bands, at most limit, with their texts.
	SimilarCandidates(ctx context.Context, bands []int64, exclude int64, limit int) ([]Candidate, error)
	// BandHolders lists, for each of keys, the keys of the quotes holding that band, the
	// newest perBand of them, newest first: read from the band index alone.
	BandHolders(ctx context.Context, keys []int64, perBand int) (map[int64][]int64, error)
	// CandidatesBySeq reads the quotes with the given keys as candidates: their IDs, texts
	// and speakers, in no particular order. A key no quote has is left out.
	CandidatesBySeq(ctx context.Context, seqs []int64) ([]Candidate, error)
	// QuotesChanged lists the quotes whose ID, words or speaker changed, or that were
	// deleted, since the last call on this engine (a write transaction calls it), so
	// that the words of quotes read before may be kept; all says the engine cannot tell
	// (its first call, another process wrote, or it keeps no such record), and every
	// quote's words are to be read again.
	QuotesChanged(ctx context.Context) (seqs []int64, all bool, err error)
}

// AppearanceRows reads and writes appearances and the chain they make (appearances.go).
type AppearanceRows interface {
	// InsertAppearance stores appearances, each of the quote a.QuoteSeq as it is, and sets
	// their keys; many at once where that saves round trips.
	InsertAppearance(ctx context.Context, as ...*Appearance) error
	// Appearance reads one appearance of a quote. ErrNoRow.
	Appearance(ctx context.Context, quoteSeq int64, id string, lock bool) (*Appearance, error)
	// UpdateAppearance stores next over cur if the stored version is still cur.Version.
	// ErrStale.
	UpdateAppearance(ctx context.Context, cur, next *Appearance) error
	// ListAppearances lists a quote's appearances by date published (undated last), then
	// by key, after the position (key, seq) ("", 0: from the first).
	ListAppearances(ctx context.Context, quoteSeq int64, key string, seq int64, limit int) ([]*Appearance, error)
	// ListAllAppearances lists appearances across the archive newest first, those with
	// keys below before (0: from the newest), of one state when state is not empty, of
	// quotes carrying a verdict when checked.
	ListAllAppearances(ctx context.Context, state string, checked bool, before int64, limit int) ([]*Appearance, error)
	// AppearancesOf reads every appearance of each quote, in the chain's order.
	AppearancesOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*Appearance, error)
	// RefreshChain computes again what a quote keeps of its chain: its counts, its first
	// appearance (the pinned one while it stays confirmed, else the earliest confirmed by
	// date, then key) and the earliest confirmed date; of each quote, many at once where
	// that saves round trips.
	RefreshChain(ctx context.Context, quoteSeqs ...int64) error
	// MoveRows moves the rows of table ("citations", "verdicts", "appearances") with
	// the given IDs to the quote with key toSeq.
	MoveRows(ctx context.Context, table string, ids []string, toSeq int64) error
	// AppearanceByExternalID is the quote holding the appearance imported under key, ""
	// when none does.
	AppearanceByExternalID(ctx context.Context, key string) (string, error)
	// QuoteExternalID is the import key a quote was stored under, nil when none.
	QuoteExternalID(ctx context.Context, seq int64) (*string, error)
	// VerdictIDsOf lists the IDs of a quote's verdicts, oldest first.
	VerdictIDsOf(ctx context.Context, quoteSeq int64) ([]string, error)
}

// VerdictRows appends and reads verdicts (verdicts.go).
type VerdictRows interface {
	// VerdictsBySeq reads verdicts by their keys, with their citation IDs.
	VerdictsBySeq(ctx context.Context, seqs []int64) (map[int64]*Verdict, error)
	// InsertVerdict stores a verdict of the quote with key quoteSeq, with its citation
	// IDs, and returns its key.
	InsertVerdict(ctx context.Context, quoteSeq int64, v *Verdict) (int64, error)
	// SetVerdict makes verdictSeq the quote's current verdict, sets its attribution and
	// rating, and moves its version from `from` to `to` — if it is still at from. ErrStale.
	SetVerdict(ctx context.Context, quoteSeq, verdictSeq int64, attribution string, rating *string, from, to int64, at time.Time) error
	// Verdict reads one verdict of a quote. ErrNoRow.
	Verdict(ctx context.Context, quoteSeq int64, id string) (*Verdict, error)
	// ListVerdicts lists a quote's verdicts newest first, those before the key before
	// (0: from the newest), at most limit.
	ListVerdicts(ctx context.Context, quoteSeq, before int64, limit int) ([]*Verdict, error)
	// VerdictHistories reads the whole verdict history of each quote, oldest first.
	VerdictHistories(ctx context.Context, quoteSeqs []int64) (map[int64][]*Verdict, error)
	// VerdictsResting lists the IDs of the verdicts resting on a citation, oldest first.
	VerdictsResting(ctx context.Context, citationID string) ([]string, error)
}

// ReviewRows reads the ClaimReview feed (reviews.go).
type ReviewRows interface {
	// ListReviewed lists reviewed quotes in the order their current verdicts were
	// given, those given at or after since, after the verdict key after.
	ListReviewed(ctx context.Context, since *time.Time, after int64, limit int) ([]*Quote, error)
}

// CitationRows reads and writes citations (citations.go).
type CitationRows interface {
	// CitationRelations returns the relation of each of ids that is a citation of the
	// quote; IDs of other citations are absent.
	CitationRelations(ctx context.Context, quoteSeq int64, ids []string) (map[string]string, error)
	// InsertCitation stores a citation of the quote as it is and sets its key.
	// ErrDuplicate: the quote cites the URL already.
	InsertCitation(ctx context.Context, quoteSeq int64, c *Citation) error
	// Citation reads one citation of a quote. ErrNoRow.
	Citation(ctx context.Context, quoteSeq int64, id string, lock bool) (*Citation, error)
	// UpdateCitation stores next over cur if the stored version is still cur.Version.
	// ErrStale, ErrDuplicate.
	UpdateCitation(ctx context.Context, cur, next *Citation) error
	// DeleteCitation removes a citation.
	DeleteCitation(ctx context.Context, c *Citation) error
	// ListCitations lists a quote's citations oldest first, after the key after.
	ListCitations(ctx context.Context, quoteSeq, after int64, limit int) ([]*Citation, error)
	// CitationsOf reads every citation of each quote, oldest first.
	CitationsOf(ctx context.Context, quoteSeqs []int64) (map[int64][]*Citation, error)
}

// SpeakerRows reads and writes speakers (speakers.go).
type SpeakerRows interface {
	// Speaker reads a speaker with its aliases. ErrNoRow.
	Speaker(ctx context.Context, id string, lock bool) (*Speaker, error)
	// Speakers reads speakers with their aliases; missing IDs are absent.
	Speakers(ctx context.Context, ids []string) (map[string]*Speaker, error)
	// SpeakersByNames returns, for each folded name key, the speakers known by it (by
	// name or alias) — at most a few: more than one is all a caller needs to know. Keys
	// no speaker has are absent.
	SpeakersByNames(ctx context.Context, keys []string) (map[string][]string, error)
	// SpeakersByQIDs returns the speaker holding each Wikidata QID; QIDs none holds are
	// absent.
	SpeakersByQIDs(ctx context.Context, qids []string) (map[string]string, error)
	// InsertSpeakers stores speakers as they are, with their names. ErrDuplicate: a
	// Wikidata QID is taken.
	InsertSpeakers(ctx context.Context, ss ...*Speaker) error
	// UpdateSpeaker stores next over cur if the stored version is still cur.Version,
	// re-indexing the speaker's quotes when their names change. ErrStale, ErrDuplicate.
	UpdateSpeaker(ctx context.Context, cur, next *Speaker) error
	// DeleteSpeaker removes a speaker, and the redirects of speakers merged into it.
	// ErrReferenced.
	DeleteSpeaker(ctx context.Context, id string) error
	// ListSpeakers lists speakers by folded name, then ID, after the position after;
	// q, when not empty, is a folded part of a name or alias to match.
	ListSpeakers(ctx context.Context, q string, after *Cursor, limit int) ([]*Speaker, error)
}

// OutletRows reads and writes outlets (outlets.go).
type OutletRows interface {
	// Outlet reads an outlet. ErrNoRow.
	Outlet(ctx context.Context, id string, lock bool) (*Outlet, error)
	// Outlets reads outlets; missing IDs are absent.
	Outlets(ctx context.Context, ids []string) (map[string]*Outlet, error)
	// OutletsByNames returns the outlet of each folded name key (a name or an alias);
	// keys of none are absent.
	OutletsByNames(ctx context.Context, keys []string) (map[string]string, error)
	// InsertOutlets stores outlets as they are, with their names. ErrDuplicate: a name
	// or alias is taken.
	InsertOutlets(ctx context.Context, os ...*Outlet) error
	// UpdateOutlet stores next over cur if the stored version is still cur.Version, with
	// its names. ErrStale, ErrDuplicate.
	UpdateOutlet(ctx context.Context, cur, next *Outlet) error
	// ReleaseOutletNames forgets the names and aliases an outlet is found by, which a
	// merge gives to the survivor.
	ReleaseOutletNames(ctx context.Context, id string) error
	// DeleteOutlet removes an outlet, and the redirects of outlets merged into it.
	// ErrReferenced.
	DeleteOutlet(ctx context.Context, id string) error
	// ListOutlets is ListSpeakers for outlets.
	ListOutlets(ctx context.Context, q string, after *Cursor, limit int) ([]*Outlet, error)
}

// MergeRows records merges of speakers and outlets, and the redirects they leave
// (merges.go).
type MergeRows interface {
	// Redirects returns, for each of ids merged away, the ID it was merged into (chains
	// are kept one hop long); IDs never merged, or merged and restored, are absent.
	Redirects(ctx context.Context, ids []string) (map[string]string, error)
	// InsertMerge stores a merge, the redirect it leaves (m.From to m.Into) and re-points
	// to m.Into every redirect that went to m.From, listing them in m.Repointed.
	InsertMerge(ctx context.Context, m *Merge) error
	// Merge reads a merge. ErrNoRow.
	Merge(ctx context.Context, id string, lock bool) (*Merge, error)
	// ListMerges lists merges newest first (IDs sort as they were made), those with IDs
	// before before ("": from the newest); of one ID (merged or survivor) when id is not
	// empty.
	ListMerges(ctx context.Context, id, before string, limit int) ([]*Merge, error)
	// MoveQuotes re-points every quote of a speaker or outlet (kind) from one ID to
	// another, re-indexing what search reads of them, and records each under mergeID;
	// it returns how many moved.
	MoveQuotes(ctx context.Context, kind, from, into, mergeID string) (int64, error)
	// UndoMerge moves back the quotes m moved that still name m.Into, drops the redirect
	// m left, points the redirects it re-pointed at m.From again and marks m undone by
	// m.UndoneBy at m.UndoneAt; it returns how many quotes moved back.
	UndoMerge(ctx context.Context, m *Merge) (int64, error)
	// CountQuotesOf counts the quotes of a speaker or outlet (kind).
	CountQuotesOf(ctx context.Context, kind, id string) (int64, error)
	// CountClaimedBy counts the quotes of a speaker or outlet (kind) a person has claimed
	// to check, claims that have not expired at now.
	CountClaimedBy(ctx context.Context, kind, id string, now time.Time) (int, error)
	// Dismiss records that two speakers or outlets (a < b) are not one.
	Dismiss(ctx context.Context, kind, a, b, by string, at time.Time) error
	// Dismissed lists the dismissed pairs of a kind, as "a b".
	Dismissed(ctx context.Context, kind string) (map[string]bool, error)
	// Names lists every speaker or outlet (kind) with the folded keys of its names and
	// aliases, its Wikidata QID (speakers) and its URL (outlets), for finding duplicates.
	Names(ctx context.Context, kind string) ([]*Named, error)
}

// NameLocks serialises finding or creating by name (names.go).
type NameLocks interface {
	// LockNames holds, until the transaction ends, the right to find or create the
	// speakers, outlets, keys or webhooks (kind) of folded name keys: two writers creating "Keith
	// Kellogg" at once create one speaker. Locks are taken in one order whatever the
	// order of keys, so that two writers locking many names cannot deadlock.
	LockNames(ctx context.Context, kind string, keys []string) error
}

// KeyRows reads and writes API keys (keys.go).
type KeyRows interface {
	// InsertKey stores an API key with its secret's hash.
	InsertKey(ctx context.Context, k *APIKey, hash []byte) error
	// KeyByHash reads the key with the hash, and the hash as stored. ErrNoRow.
	KeyByHash(ctx context.Context, hash []byte) (*APIKey, []byte, error)
	// Key reads a key. ErrNoRow.
	Key(ctx context.Context, id string, lock bool) (*APIKey, error)
	// Keys lists every key, oldest first.
	Keys(ctx context.Context) ([]*APIKey, error)
	// RevokeKey marks a key revoked at at, if it is not yet. ErrStale.
	RevokeKey(ctx context.Context, id string, at time.Time) error
}

// LoadRows records bulk loads and the batches they committed (loads.go).
type LoadRows interface {
	// InsertLoad stores a load as it begins.
	InsertLoad(ctx context.Context, l *Load) error
	// AddLoadBatch records a committed batch: its line range, and its counts and the
	// first and last quote it created added to the load's.
	AddLoadBatch(ctx context.Context, b LoadBatch) error
	// FinishLoad sets a load's state, its source's SHA-256 when known, and its end.
	FinishLoad(ctx context.Context, id, state string, sha256 *string, at time.Time) error
	// Load reads a load. ErrNoRow.
	Load(ctx context.Context, id string) (*Load, error)
	// Loads lists loads newest first, those before the load before ("": from the newest).
	Loads(ctx context.Context, before string, limit int) ([]*Load, error)
	// UnfinishedLoad is the actor's latest running or failed load of the source. ErrNoRow.
	UnfinishedLoad(ctx context.Context, actor, source, format string, size int64) (*Load, error)
	// LoadBatches are the line ranges of a load's committed batches, in line order.
	LoadBatches(ctx context.Context, id string) ([][2]int, error)
}

// AuditRows appends to and reads the audit trail (audit.go).
type AuditRows interface {
	// InsertAudit appends entries to the audit trail.
	InsertAudit(ctx context.Context, entries ...AuditRow) error
	// InsertAuditEntry appends one entry and returns its key.
	InsertAuditEntry(ctx context.Context, e AuditRow) (int64, error)
	// ListAudit lists entries matching f newest first, those before the key before (0:
	// from the newest).
	ListAudit(ctx context.Context, f AuditFilter, before int64, limit int) ([]*AuditEntry, error)
	// LoadedCreations are the creations of the quotes and appearances a load created that
	// name their batch's entry (loaded_in) — made by LoadedCreation — of the quote or
	// appearance with ID resourceID, or else of the quote quoteID and its appearances.
	LoadedCreations(ctx context.Context, resourceID, quoteID string) ([]*AuditEntry, error)
}

// IdempotencyRows remembers Idempotency-Keys' answers (idempotency.go).
type IdempotencyRows interface {
	// ExpireIdempotency forgets Idempotency-Keys claimed before expired, and claims
	// still without an answer made before abandoned.
	ExpireIdempotency(ctx context.Context, expired, abandoned time.Time) error
	// ClaimIdempotency claims key for owner at at; false when it is claimed already.
	ClaimIdempotency(ctx context.Context, owner, key string, at time.Time) (bool, error)
	// IdempotentRun reads a claim. ErrNoRow.
	IdempotentRun(ctx context.Context, owner, key string) (*IdempotentRun, error)
	// CompleteIdempotency records the answer to a claimed key's request.
	CompleteIdempotency(ctx context.Context, owner, key string, run IdempotentRun) error
	// ReleaseIdempotency forgets a claim whose request has no answer yet.
	ReleaseIdempotency(ctx context.Context, owner, key string) error
}

// SessionRows keeps the console's sessions (sessions.go).
type SessionRows interface {
	// ExpireSessions forgets console sessions that expired before t.
	ExpireSessions(ctx context.Context, before time.Time) error
	// InsertSession stores a console session.
	InsertSession(ctx context.Context, s SessionRow) error
	// SessionByHash reads the session with a token's hash. ErrNoRow.
	SessionByHash(ctx context.Context, hash []byte) (*SessionRow, error)
	// DeleteSession forgets a session; none is not an error.
	DeleteSession(ctx context.Context, hash []byte) error
	// TrimSessions ends a key's sessions but its newest keep.
	TrimSessions(ctx context.Context, keyID string, keep int) error
}

// ClaimRows keeps fact-checkers' claims on quotes (claims.go).
type ClaimRows interface {
	// ClaimQuote stores c unless another key's claim on the quote holds at now; false
	// when one does. A key's own claim is renewed.
	ClaimQuote(ctx context.Context, c *Claim, now time.Time) (bool, error)
	// ClaimsOf reads the claims on the quotes of seqs, expired ones included, by seq.
	ClaimsOf(ctx context.Context, seqs []int64) (map[int64]*Claim, error)
	// ReleaseClaim removes the claim on a quote if keyID holds it (any holder when
	// keyID is empty); none is not an error.
	ReleaseClaim(ctx context.Context, quoteSeq int64, keyID string) error
}

// SearchRows searches quotes and counts facets (search.go).
type SearchRows interface {
	// SearchQuotes finds a page of quotes (limit+1 hits, to tell whether there is a
	// next page) matching s, in s's order, each with its position for a cursor.
	SearchQuotes(ctx context.Context, s *Search, limit int) ([]Hit, error)
	// CountFacets counts the whole result of s by each facet, at most FacetLimit values
	// each, the most frequent first.
	CountFacets(ctx context.Context, s *Search, facets []string) (map[string][]FacetCount, error)
}

// WebhookRows reads and writes webhook endpoints and their events (webhooks.go).
type WebhookRows interface {
	// InsertWebhook stores an endpoint as it is, with its secrets.
	InsertWebhook(ctx context.Context, w *Webhook) error
	// Webhook reads an endpoint with its secrets. ErrNoRow.
	Webhook(ctx context.Context, id string, lock bool) (*Webhook, error)
	// Webhooks lists every endpoint, oldest first.
	Webhooks(ctx context.Context) ([]*Webhook, error)
	// UpdateWebhook stores next over cur (the caller holds it locked).
	UpdateWebhook(ctx context.Context, cur, next *Webhook) error
	// DeleteWebhook removes an endpoint with its deliveries and their attempts.
	DeleteWebhook(ctx context.Context, id string) error
	// InsertEvents stores events, each with a pending delivery, due at once, to each of
	// its recipients.
	InsertEvents(ctx context.Context, out []Outgoing) error
}

// DeliveryRows claims, records and lists deliveries (deliveries.go).
type DeliveryRows interface {
	// ClaimDeliveries takes up to n pending deliveries due at now whose lease, if any,
	// has ended — of enabled endpoints, but pings to any — oldest first, and leases them
	// until until: deliveries another transaction is claiming are skipped, not waited
	// for. Each comes with its event, URL and secrets.
	// No endpoint has more than perEndpoint deliveries leased at once, those already
	// under way counted: one slow receiver holds that many workers, not all of them.
	ClaimDeliveries(ctx context.Context, now, until time.Time, n, perEndpoint int) ([]*Delivery, error)
	// RecordAttempt appends an attempt to a delivery and moves it to the outcome's
	// state, ending its lease.
	RecordAttempt(ctx context.Context, seq int64, a Attempt, o Outcome) error
	// ListDeliveries lists an endpoint's deliveries newest first, those before the key
	// before (0: from the newest), in state when not nil.
	ListDeliveries(ctx context.Context, webhookID string, state *string, before int64, limit int) ([]*Delivery, error)
	// Delivery reads one delivery of an endpoint, with its event. ErrNoRow.
	Delivery(ctx context.Context, webhookID, id string) (*Delivery, error)
	// Attempts lists a delivery's attempts, oldest first.
	Attempts(ctx context.Context, seq int64) ([]Attempt, error)
	// ResetDelivery makes a delivery pending again, due at at, with no lease.
	ResetDelivery(ctx context.Context, seq int64, at time.Time) error
	// PruneDeliveries removes deliveries settled before before, with their attempts and
	// the events no delivery is left of, and returns how many deliveries went.
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)
	// FailTurnedOff settles as failed, at at with the error why, the pending deliveries
	// of the endpoints turned off — pings aside, and those leased to an attempt under
	// way — and returns how many.
	FailTurnedOff(ctx context.Context, at time.Time, why string) (int64, error)
	// RequeueFailed makes an endpoint's failed deliveries made at or after since pending
	// again, due at at, and returns how many.
	RequeueFailed(ctx context.Context, webhookID string, since, at time.Time) (int64, error)
}

// SourceRows queues and records citations' page fetches (sources.go).
type SourceRows interface {
	// InsertFetch asks for a citation's page to be fetched: a pending fetch.
	InsertFetch(ctx context.Context, citationSeq int64, by string, at time.Time) error
	// ClaimFetches is ClaimDeliveries for pending fetches, each with its citation's
	// URL and its quote's text.
	ClaimFetches(ctx context.Context, now, until time.Time, n int) ([]*FetchJob, error)
	// PreviousFetchHash is the SHA-256 of the citation's newest page fetched before the
	// fetch seq. ErrNoRow: none was.
	PreviousFetchHash(ctx context.Context, seq int64) (string, error)
	// RecordFetch stores what a fetch found.
	RecordFetch(ctx context.Context, seq int64, r FetchResult, changed *bool) error
	// RestoreFetch stores a citation's newest source check as an export had it: its state,
	// its times and what it found.
	RestoreFetch(ctx context.Context, citationSeq int64, by string, s *SourceCheck) error
}

// Savepoints brackets one record of an import (tx.go).
type Savepoints interface {
	// Savepoint, RollbackToSavepoint and ReleaseSavepoint bracket one record of an
	// import, so that a record that fails can be undone alone.
	Savepoint(ctx context.Context) error
	RollbackToSavepoint(ctx context.Context) error
	ReleaseSavepoint(ctx context.Context) error
}

// Outgoing is an event with the deliveries to make of it.
type Outgoing struct {
	Event *Event
	To    []Recipient
}

// Recipient is one delivery of an event: its ID and the endpoint it goes to.
type Recipient struct{ DeliveryID, WebhookID string }

// BandChange is the variant bands a quote's new text replaces.
type BandChange struct{ Old, New []int64 }

// Candidate is a quote that may be a variant of another.
type Candidate struct {
	Seq       int64
	ID        string
	Text      string
	SpeakerID string
}

// BulkQuote is a new quote of a bulk import, with what an engine stores beside it.
type BulkQuote struct {
	Quote      *Quote
	ExternalID string
	Bands      []int64
}

// AuditRow is an audit entry to append; Changes is its JSON.
type AuditRow struct {
	At         time.Time
	Actor      string
	Action     string
	Resource   string
	ResourceID string
	QuoteID    *string
	Changes    string
}

// Search is a quote search as the core hands it to an engine: the parsed query (nil
// without one), the filters, a known sort and the cursor's position.
type Search struct {
	Query  *search.Query
	Filter QuoteFilter
	Sort   string
	After  *Cursor
	// RankWindow bounds a relevance ranking without filters to the newest this many
	// quotes holding the query's words (see Engine.RankWindow).
	RankWindow int
	// Below, when not zero, keeps the quotes whose key is below it: an export's matches
	// older than the rank window it ranked (see DB.Export).
	Below int64
}

// Hit is one quote a search found, with the position a cursor after it names.
type Hit struct {
	Seq int64
	Pos Cursor
}

// Cursor is a position in a list: the sort it belongs to and the last row's sort key.
// Encoded and signed, it is opaque to clients; it stays valid under inserts because it
// names a position in the order, not an offset.
type Cursor struct {
	Sort string  `json:"s"`
	Key  string  `json:"k"`
	Seq  int64   `json:"q,omitempty"`
	Rank float64 `json:"r,omitempty"` // relevance: the last row's score
	// Floor is the lowest key a relevance ranking considers (see Search.RankWindow);
	// kept so that later pages rank the same window.
	Floor int64  `json:"f,omitempty"`
	ID    string `json:"i,omitempty"`
}

// FacetLimit is how many values of each facet are counted, the most frequent first.
const FacetLimit = 20
