package db

import "context"

// Permission is what an operation needs. This table is the one statement of who may do
// what: the front ends gate their routes and controls with it, and the core checks it
// again on every operation, whichever way the operation came in.
type Permission uint

// The permissions. PermPublic needs no actor's grant (health, metrics, the API document);
// the others are granted by roles.
const (
	PermPublic  Permission = 0
	PermRead    Permission = 1 << iota // search and read
	PermEdit                           // create and change quotes, speakers, outlets, citations; extract; import
	PermVerdict                        // give verdicts, also through an import
	PermAdmin                          // delete, manage keys and webhooks, read the audit trail, restore exported records
	PermWork                           // the server's own background work: deliver webhooks, fetch sources
	PermMerge                          // merge speakers and outlets, and dismiss suggested duplicates
)

var permissionNames = map[Permission]string{PermPublic: "public", PermRead: "read", PermEdit: "edit",
	PermVerdict: "verdict", PermAdmin: "admin", PermWork: "work", PermMerge: "merge"}

// what each permission lets one do, for refusals
var permissionVerbs = map[Permission]string{PermPublic: "do this", PermRead: "read", PermEdit: "edit",
	PermVerdict: "give verdicts", PermAdmin: "do what only admins may", PermWork: "do the server's background work",
	PermMerge: "merge speakers and outlets"}

func (p Permission) String() string { return permissionNames[p] }

// grants are each role's permissions. The roles of keys grant cumulatively — a
// factchecker may do all an editor may, and more; "worker" is the server's own, and
// grants only its work: no key can have it.
var grants = map[string]Permission{
	"reader":      PermRead,
	"editor":      PermRead | PermEdit,
	"factchecker": PermRead | PermEdit | PermVerdict | PermMerge,
	"admin":       PermRead | PermEdit | PermVerdict | PermMerge | PermAdmin,
	"worker":      PermWork,
}

// Actor is who an operation is done for: the API key that made the request, with its
// role, or one of the actors below. Every operation names one: the core refuses an
// operation whose context carries none (see WithActor), so a way in that forgets to
// say who acts is refused rather than trusted.
type Actor struct {
	Name  string
	KeyID string
	Role  string
}

// The actors that are not keys.
var (
	// System is the operator at the server's machine — the command line — who may do
	// everything, as anyone holding the database may.
	System = Actor{Name: "system", Role: "admin"}
	// Anonymous is a request without a key to a server that publishes its archive
	// (serve --public-read): it may read, nothing more.
	Anonymous = Actor{Name: "anonymous", Role: "reader"}
	// Worker is the server's background work: delivering webhooks, fetching sources.
	Worker = Actor{Name: "system", Role: "worker"}
	// reviewer is the core itself returning a reworded quote to unverified: it may give
	// that verdict and nothing else an admin could.
	reviewer = Actor{Name: "system", Role: "factchecker"}
)

type actorKey struct{}

// WithActor returns a context whose operations are done, and recorded, as a's.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorOf is the context's actor; the zero Actor, which may do nothing, when it has none.
func actorOf(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Actor is who a key acts as.
func (k *APIKey) Actor() Actor { return Actor{Name: k.Name, KeyID: k.ID, Role: k.Role} }

// Can reports whether the actor's role grants perm.
func (a Actor) Can(perm Permission) bool { return perm == PermPublic || grants[a.Role]&perm == perm }

// authorize is Forbidden unless the context's actor may do perm; field names the part of
// the input that needs it, when one part does.
func authorize(ctx context.Context, perm Permission, field string) error {
	a := actorOf(ctx)
	if a.Can(perm) {
		return nil
	}
	if a.Name == "" {
		return errorf(Forbidden, field, "no actor is named for this operation, and the core does nothing for no one")
	}
	role := a.Role
	if role == "" {
		role = "anonymous"
	}
	return errorf(Forbidden, field, "the "+role+" role may not "+permissionVerbs[perm]+"; ask an admin for a key with that permission")
}
