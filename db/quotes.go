package db

import (
	"context"

	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/verbatimhq/verbatim/fold"
	"strings"
)

const quoteColumns = `q.seq, q.id, q.text, q.speaker_id, s.name, q.speaker_role, q.said_on, q.date_precision,
	q.outlet_id, o.name, q.context, q.setting, q.lang, q.source_url, q.tags, q.attribution, q.rating,
	q.created_by, q.version, q.created_at, q.updated_at, q.verdict_seq, q.extraction`

const quoteFrom = ` FROM quotes q JOIN speakers s ON s.id = q.speaker_id LEFT JOIN outlets o ON o.id = q.outlet_id`

// scanQuote reads quoteColumns, then any extra columns into extra.
func scanQuote(row scanner, extra ...any) (*Quote, int64, error) {
	var q Quote
	var seq int64
	var outletID, outletName *string
	var tags, created, updated string
	var extraction *string
	dest := []any{&seq, &q.ID, &q.Text, &q.Speaker.ID, &q.Speaker.Name, &q.SpeakerRole, &q.SaidOn, &q.DatePrecision,
		&outletID, &outletName, &q.Context, &q.Setting, &q.Lang, &q.SourceURL, &tags, &q.Attribution, &q.Rating,
		&q.CreatedBy, &q.Version, &created, &updated, &q.verdictSeq, &extraction}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, 0, err
	}
	if outletID != nil && outletName != nil {
		q.Outlet = &OutletRef{ID: *outletID, Name: *outletName}
	}
	if err := json.Unmarshal([]byte(tags), &q.Tags); err != nil || q.Tags == nil {
		q.Tags = []string{}
	}
	q.CreatedAt, q.UpdatedAt = parseTime(created), parseTime(updated)
	if extraction != nil {
		var x Extraction
		if json.Unmarshal([]byte(*extraction), &x) == nil {
			q.Extraction = &x
		}
	}
	return &q, seq, nil
}

// quotesBySeq reads the quotes with the given seqs, in that order, in one statement: a
// page of twenty read one statement each spent most of its time starting statements
// (0.9 ms against 0.1 ms at a million quotes).
func quotesBySeq(ctx context.Context, tx *sql.Tx, seqs []int64) ([]*Quote, error) {
	out := make([]*Quote, 0, len(seqs))
	if len(seqs) == 0 {
		return out, nil
	}
	args := make([]any, len(seqs))
	for i, seq := range seqs {
		args[i] = seq
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+quoteColumns+quoteFrom+` WHERE q.seq IN (`+placeholders(len(seqs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("db: read quotes: %w", err)
	}
	defer rows.Close()
	bySeq := make(map[int64]*Quote, len(seqs))
	for rows.Next() {
		q, seq, err := scanQuote(rows)
		if err != nil {
			return nil, fmt.Errorf("db: read quotes: %w", err)
		}
		bySeq[seq] = q
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: read quotes: %w", err)
	}
	for _, seq := range seqs {
		q, ok := bySeq[seq]
		if !ok {
			// The seqs come from the same read transaction, so this is a bug, not a race.
			return nil, fmt.Errorf("db: read quotes: quote %d vanished inside a transaction", seq)
		}
		out = append(out, q)
	}
	return out, nil
}

// querier is a *sql.Tx or *sql.DB.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func findQuote(ctx context.Context, tx querier, id string) (*Quote, int64, error) {
	q, seq, err := scanQuote(tx.QueryRowContext(ctx, `SELECT `+quoteColumns+quoteFrom+` WHERE q.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errorf(NotFound, "", "no quote with this ID")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("db: read quote: %w", err)
	}
	return q, seq, nil
}

// Quote returns the quote with the given ID, or NotFound. An unreviewed quote is one
// statement, which reads one snapshot without a transaction of its own; a reviewed one
// reads its current verdict in the same transaction.
//
// Quotes read are kept until the database next changes (see DB.quotes); the caller gets
// its own copy of the top level to set fields on.
func (d *DB) Quote(ctx context.Context, id string) (*Quote, error) {
	gen, err := d.generation(ctx)
	if err != nil {
		return nil, err
	}
	cached, ok, token := d.quotes.get(gen, id)
	if ok {
		cp := *cached
		return &cp, nil
	}
	q, _, err := findQuote(ctx, d.reader, id)
	if err == nil && q.verdictSeq != nil {
		err = d.read(ctx, func(tx *sql.Tx) error {
			if q, _, err = findQuote(ctx, tx, id); err != nil {
				return err
			}
			return attachVerdicts(ctx, tx, []*Quote{q})
		})
	}
	if err != nil {
		return nil, err
	}
	d.quotes.put(gen, token, id, q)
	cp := *q
	return &cp, nil
}

// attachVerdicts fills in the current verdict of each reviewed quote, in two queries.
func attachVerdicts(ctx context.Context, tx *sql.Tx, quotes []*Quote) error {
	bySeq := map[int64]*Quote{}
	args := []any{}
	for _, q := range quotes {
		if q.verdictSeq != nil {
			bySeq[*q.verdictSeq] = q
			args = append(args, *q.verdictSeq)
		}
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+verdictColumns+verdictFrom+` WHERE v.seq IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("db: read current verdicts: %w", err)
	}
	defer rows.Close()
	verdicts := map[int64]*Verdict{}
	for rows.Next() {
		v, seq, err := scanVerdict(rows)
		if err != nil {
			return fmt.Errorf("db: read current verdicts: %w", err)
		}
		verdicts[seq] = v
		bySeq[seq].CurrentVerdict = v
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: read current verdicts: %w", err)
	}
	return loadVerdictCitations(ctx, tx, verdicts)
}

// resolveSpeaker returns the ID of the speaker a quote names: by ID (which must exist,
// else Invalid), or by name, found through names and aliases or else created.
func (d *DB) resolveSpeaker(ctx context.Context, tx *sql.Tx, id, name *string) (string, error) {
	if id != nil {
		if _, err := findSpeaker(ctx, tx, *id); err != nil {
			if ErrorCode(err) == NotFound {
				return "", errorf(Invalid, "speaker_id", "no speaker with this ID")
			}
			return "", err
		}
		return *id, nil
	}
	if name == nil {
		return "", errorf(Invalid, "speaker_id", "name the speaker by speaker_id or speaker_name")
	}
	cache, _ := ctx.Value(namesKey{}).(*names)
	key := fold.String(*name)
	if id, ok := cache.speaker(key); ok {
		return id, nil
	}
	found, err := findSpeakerByName(ctx, tx, *name, "speaker_name")
	if err == nil && found == "" {
		found, err = d.insertSpeaker(ctx, tx, SpeakerInput{Name: *name})
	}
	if err == nil && cache != nil {
		cache.speakers[key] = found
	}
	return found, err
}

// names carries, through an import batch's context, the speakers and outlets its records
// have named by folded name: a batch names the same people and outlets again and again.
type names struct{ speakers, outlets map[string]string }

type namesKey struct{}

func newNames() *names { return &names{speakers: map[string]string{}, outlets: map[string]string{}} }

// forget drops what a rolled-back record may have created.
func (n *names) forget() {
	clear(n.speakers)
	clear(n.outlets)
}

func (n *names) speaker(key string) (string, bool) {
	if n == nil {
		return "", false
	}
	id, ok := n.speakers[key]
	return id, ok
}

func (n *names) outlet(key string) (string, bool) {
	if n == nil {
		return "", false
	}
	id, ok := n.outlets[key]
	return id, ok
}

// resolveOutlet is resolveSpeaker for outlets; with neither ID nor name there is none.
func (d *DB) resolveOutlet(ctx context.Context, tx *sql.Tx, id, name *string) (*string, error) {
	switch {
	case id != nil:
		if _, err := findOutlet(ctx, tx, *id); err != nil {
			if ErrorCode(err) == NotFound {
				return nil, errorf(Invalid, "outlet_id", "no outlet with this ID")
			}
			return nil, err
		}
		return id, nil
	case name != nil:
		cache, _ := ctx.Value(namesKey{}).(*names)
		key := fold.String(*name)
		if id, ok := cache.outlet(key); ok {
			return &id, nil
		}
		found, err := findOutletByName(ctx, tx, *name)
		if err != nil {
			return nil, err
		}
		if found == "" {
			if found, err = d.insertOutlet(ctx, tx, OutletInput{Name: *name}); err != nil {
				return nil, err
			}
		}
		if cache != nil {
			cache.outlets[key] = found
		}
		return &found, nil
	}
	return nil, nil
}

// dateSaid normalises said_on against date_precision; a precision without a date is Invalid.
func dateSaid(saidOn, precision *string) (*string, *string, error) {
	if saidOn == nil {
		if precision != nil {
			return nil, nil, errorf(Invalid, "date_precision", "a precision needs said_on")
		}
		return nil, nil, nil
	}
	date, prec, err := NormalizeDate(*saidOn, precision)
	if err != nil {
		return nil, nil, errorf(Malformed, "said_on", err.Error())
	}
	return &date, &prec, nil
}

// CreateQuote stores a new quote, finding or creating the speaker and outlet it names by
// name, all in one transaction. The text is stored exactly as given. The quote returned
// lists the stored quotes it may duplicate.
func (d *DB) CreateQuote(ctx context.Context, in QuoteInput) (*Quote, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	var id string
	var dups []scored
	err := d.write(ctx, func(tx *sql.Tx) error {
		var seq int64
		var err error
		if id, seq, err = d.insertQuote(ctx, tx, in); err != nil {
			return err
		}
		dups, err = similarTo(ctx, tx, in.Text, seq, DuplicateMin, 5)
		return err
	})
	if err != nil {
		return nil, err
	}
	q, err := d.Quote(ctx, id)
	if err != nil || len(dups) == 0 {
		return q, err
	}
	err = d.read(ctx, func(tx *sql.Tx) error {
		q.PossibleDuplicates, err = similarQuotes(ctx, tx, dups)
		return err
	})
	return q, err
}

// CreateQuotes stores many quotes in one transaction, as CreateQuote does one, without
// looking for duplicates: the fast path for loading an archive. One invalid quote fails
// the batch, with the error's field prefixed by its index ("[3].said_on").
func (d *DB) CreateQuotes(ctx context.Context, ins []QuoteInput) error {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		for i, in := range ins {
			if _, _, err := d.insertQuote(ctx, tx, in); err != nil {
				var e *Error
				if errors.As(err, &e) {
					return &Error{Code: e.Code, Field: fmt.Sprintf("[%d].%s", i, e.Field), Message: e.Message, err: e.err}
				}
				return err
			}
		}
		return nil
	})
}

// insertQuote writes one quote with its tags, variant bands and (through triggers) search
// index entry, resolving its speaker and outlet.
func (d *DB) insertQuote(ctx context.Context, tx *sql.Tx, in QuoteInput) (string, int64, error) {
	if err := validateInput(&in); err != nil {
		return "", 0, err
	}
	saidOn, prec, err := dateSaid(in.SaidOn, in.DatePrecision)
	if err != nil {
		return "", 0, err
	}
	now := d.now()
	id := newID("q_", now)
	ts := now.Format(timeFormat)
	tags := normalizeTags(in.Tags)
	speakerID, err := d.resolveSpeaker(ctx, tx, in.SpeakerID, in.SpeakerName)
	if err != nil {
		return "", 0, err
	}
	outletID, err := d.resolveOutlet(ctx, tx, in.OutletID, in.OutletName)
	if err != nil {
		return "", 0, err
	}
	actor := actorOf(ctx).Name
	res, err := tx.ExecContext(ctx, `INSERT INTO quotes (id, text, speaker_id, speaker_role, said_on, date_precision, outlet_id,
		context, setting, lang, source_url, tags, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, in.Text, speakerID, in.SpeakerRole, saidOn, prec, outletID, in.Context, in.Setting, in.Lang, in.SourceURL,
		tagsJSON(tags), actor, ts, ts)
	if err != nil {
		return "", 0, fmt.Errorf("db: insert quote: %w", classify(err))
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return "", 0, fmt.Errorf("db: insert quote: %w", err)
	}
	if err := writeBands(ctx, tx, seq, nil, in.Text); err != nil {
		return "", 0, err
	}
	if err := writeTags(ctx, tx, seq, tags); err != nil {
		return "", 0, err
	}
	after := &Quote{ID: id, Text: in.Text, Speaker: SpeakerRef{ID: speakerID}, SpeakerRole: in.SpeakerRole, SaidOn: saidOn,
		DatePrecision: prec, Context: in.Context, Setting: in.Setting, Lang: in.Lang, SourceURL: in.SourceURL, Tags: tags,
		Attribution: "unverified", CreatedBy: actor}
	if outletID != nil {
		after.Outlet = &OutletRef{ID: *outletID}
	}
	return id, seq, d.audit(ctx, tx, "create", "quote", id, id, nil, after)
}

func tagsJSON(tags []string) string {
	b, _ := json.Marshal(tags) // a []string always marshals
	return string(b)
}

func writeTags(ctx context.Context, tx *sql.Tx, seq int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM quote_tags WHERE quote_seq = ?`, seq); err != nil {
		return fmt.Errorf("db: clear tags: %w", classify(err))
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO quote_tags (quote_seq, tag) VALUES (?, ?)`, seq, t); err != nil {
			return fmt.Errorf("db: write tag: %w", classify(err))
		}
	}
	return nil
}

// UpdateQuote applies patch to the quote; ifMatch as for UpdateSpeaker. A patch that
// changes nothing leaves the version alone. NotFound, PreconditionFailed, Invalid,
// Malformed, Conflict (an ambiguous speaker name).
func (d *DB) UpdateQuote(ctx context.Context, id string, ifMatch []int64, p QuotePatch) (*Quote, error) {
	if err := authorize(ctx, PermEdit, ""); err != nil {
		return nil, err
	}
	if p.SpeakerID.Set && p.SpeakerName.Set {
		return nil, errorf(Invalid, "speaker_name", "give speaker_id or speaker_name, not both")
	}
	if p.OutletID.Set && p.OutletName.Set {
		return nil, errorf(Invalid, "outlet_name", "give outlet_id or outlet_name, not both")
	}
	if (p.SpeakerID.Set && p.SpeakerID.Null) || (p.SpeakerName.Set && p.SpeakerName.Null) {
		return nil, errorf(Invalid, "speaker_id", "a quote always has a speaker")
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		_, err := d.updateQuote(ctx, tx, id, ifMatch, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d.Quote(ctx, id)
}

// updateQuote is UpdateQuote inside a transaction; it reports whether anything changed.
func (d *DB) updateQuote(ctx context.Context, tx *sql.Tx, id string, ifMatch []int64, p QuotePatch) (bool, error) {
	if err := validateInput(&p); err != nil {
		return false, err
	}
	cur, seq, err := findQuote(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if err := checkVersion(cur.Version, ifMatch); err != nil {
		return false, err
	}
	next := *cur
	if p.Text.Set {
		next.Text = p.Text.Value
	}
	if p.SpeakerID.Set || p.SpeakerName.Set {
		sid, err := d.resolveSpeaker(ctx, tx, nullable(p.SpeakerID), nullable(p.SpeakerName))
		if err != nil {
			return false, err
		}
		next.Speaker = SpeakerRef{ID: sid}
	}
	if p.OutletID.Set || p.OutletName.Set {
		oid, err := d.resolveOutlet(ctx, tx, nullable(p.OutletID), nullable(p.OutletName))
		if err != nil {
			return false, err
		}
		next.Outlet = nil
		if oid != nil {
			next.Outlet = &OutletRef{ID: *oid}
		}
	}
	setNullable(&next.SpeakerRole, p.SpeakerRole)
	setNullable(&next.Context, p.Context)
	setNullable(&next.Setting, p.Setting)
	setNullable(&next.Lang, p.Lang)
	setNullable(&next.SourceURL, p.SourceURL)
	if p.SaidOn.Set || p.DatePrecision.Set {
		saidOn, prec := next.SaidOn, next.DatePrecision
		if p.SaidOn.Set {
			saidOn = nullable(p.SaidOn)
			if !p.DatePrecision.Set {
				prec = nil // infer it from the new date
			}
		}
		if p.DatePrecision.Set {
			prec = nullable(p.DatePrecision)
		}
		if next.SaidOn, next.DatePrecision, err = dateSaid(saidOn, prec); err != nil {
			return false, err
		}
	}
	tagsChanged := false
	if p.Tags.Set {
		tags := normalizeTags(p.Tags.Value)
		tagsChanged = !equalStrings(tags, cur.Tags)
		next.Tags = tags
	}
	if !tagsChanged && sameQuote(cur, &next) {
		return false, nil
	}
	var outletID *string
	if next.Outlet != nil {
		outletID = &next.Outlet.ID
	}
	_, err = tx.ExecContext(ctx, `UPDATE quotes SET text = ?, speaker_id = ?, speaker_role = ?, said_on = ?, date_precision = ?,
		outlet_id = ?, context = ?, setting = ?, lang = ?, source_url = ?, tags = ?, version = version + 1, updated_at = ?
		WHERE seq = ?`,
		next.Text, next.Speaker.ID, next.SpeakerRole, next.SaidOn, next.DatePrecision, outletID, next.Context,
		next.Setting, next.Lang, next.SourceURL, tagsJSON(next.Tags), d.timestamp(), seq)
	if err != nil {
		return false, fmt.Errorf("db: update quote: %w", classify(err))
	}
	if next.Text != cur.Text {
		if err := writeBands(ctx, tx, seq, &cur.Text, next.Text); err != nil {
			return false, err
		}
	}
	if err := d.audit(ctx, tx, "update", "quote", id, id, cur, &next); err != nil {
		return false, err
	}
	if err := d.resetReview(ctx, tx, cur, &next); err != nil {
		return false, err
	}
	if tagsChanged {
		return true, writeTags(ctx, tx, seq, next.Tags)
	}
	return true, nil
}

// resetReview appends a verdict that returns a reviewed quote to unverified when its
// words or its speaker change: a verdict judged those words by that speaker, and must not
// go on vouching for others (nor ClaimReview publish it under them). The history keeps
// the earlier verdict; a fact-checker reviews the quote anew. It applies whoever makes
// the change and whichever way it comes (PATCH, a re-import), because every way goes
// through updateQuote.
func (d *DB) resetReview(ctx context.Context, tx *sql.Tx, cur, next *Quote) error {
	if cur.Attribution == "unverified" && cur.Rating == nil {
		return nil
	}
	var changed []string
	if next.Text != cur.Text {
		changed = append(changed, "words")
	}
	if next.Speaker.ID != cur.Speaker.ID {
		changed = append(changed, "speaker")
	}
	if len(changed) == 0 {
		return nil
	}
	summary := fmt.Sprintf("Reset to unverified by Verbatim: %s changed the quote's %s after it was reviewed, so the earlier verdict no longer applies.",
		actorOf(ctx).Name, strings.Join(changed, " and "))
	_, err := d.appendVerdict(WithActor(ctx, System), tx, cur.ID, nil, VerdictInput{Attribution: "unverified", Summary: summary})
	return err
}

func setNullable(dst **string, f Field[string]) {
	if f.Set {
		*dst = nullable(f)
	}
}

// sameQuote reports whether b stores the same as a (tags aside).
func sameQuote(a, b *Quote) bool {
	outlet := func(q *Quote) *string {
		if q.Outlet == nil {
			return nil
		}
		return &q.Outlet.ID
	}
	return a.Text == b.Text && a.Speaker.ID == b.Speaker.ID && equalPtr(outlet(a), outlet(b)) &&
		equalPtr(a.SpeakerRole, b.SpeakerRole) && equalPtr(a.SaidOn, b.SaidOn) && equalPtr(a.DatePrecision, b.DatePrecision) &&
		equalPtr(a.Context, b.Context) && equalPtr(a.Setting, b.Setting) && equalPtr(a.Lang, b.Lang) &&
		equalPtr(a.SourceURL, b.SourceURL)
}

// DeleteQuote removes a quote, its tags, citations and variant bands. NotFound, PreconditionFailed,
// Conflict (the quote has verdicts: a verdict history outlives nothing it judged).
func (d *DB) DeleteQuote(ctx context.Context, id string, ifMatch []int64) error {
	if err := authorize(ctx, PermAdmin, ""); err != nil {
		return err
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		cur, seq, err := findQuote(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(cur.Version, ifMatch); err != nil {
			return err
		}
		if cur.verdictSeq != nil {
			// A verdict is public record: deleting the quote would take its history with
			// it. A correction is a new verdict (misattributed, say), which keeps both.
			return errorf(Conflict, "", "this quote has verdicts, and a verdict history is never deleted; append a verdict instead (misattributed, or unverified with the reason)")
		}
		if err := clearBands(ctx, tx, seq, cur.Text); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM quotes WHERE seq = ?`, seq); err != nil {
			return fmt.Errorf("db: delete quote: %w", classify(err))
		}
		return d.audit(ctx, tx, "delete", "quote", id, id, cur, nil)
	})
}

func lowerPtr(s *string) *string {
	if s == nil {
		return nil
	}
	l := strings.ToLower(strings.Join(strings.Fields(*s), " "))
	return &l
}
