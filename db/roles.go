package db

import "context"

// Roles, from least to most trusted.
var Roles = []string{"reader", "editor", "factchecker", "admin"}

// Permission is what an operation needs. Roles grant permissions cumulatively: a
// factchecker may do all an editor may, and more. This table is the one statement of who
// may do what; the API gates its routes with it and storage checks it again on every
// write, whichever way the write came in.
type Permission int

const (
	PermPublic  Permission = iota // anyone: health, metrics, the API document
	PermRead                      // search and read
	PermEdit                      // create and change quotes, speakers, outlets, citations; export; import
	PermVerdict                   // give verdicts, also through an import
	PermAdmin                     // delete, manage keys, read the audit trail, restore exported records
)

var permissionNames = map[Permission]string{PermPublic: "public", PermRead: "read", PermEdit: "edit",
	PermVerdict: "verdict", PermAdmin: "admin"}

// what each permission lets one do, for refusals
var permissionVerbs = map[Permission]string{PermPublic: "do this", PermRead: "read", PermEdit: "edit",
	PermVerdict: "give verdicts", PermAdmin: "do what only admins may"}

func (p Permission) String() string { return permissionNames[p] }

var grants = map[string]Permission{"reader": PermRead, "editor": PermEdit, "factchecker": PermVerdict, "admin": PermAdmin}

// Grants returns the highest permission of a role; an unknown role grants only what
// is public.
func Grants(role string) Permission { return grants[role] }

// Actor is who an operation is done for: the API key that made the request, with its
// role. A context without one is the operator at the server's machine — the command line
// — who may do everything, as anyone holding the database file can.
type Actor struct {
	Name  string
	KeyID string
	Role  string
}

// System is the actor of the command line and of writes the server makes itself.
var System = Actor{Name: "system", Role: "admin"}

type actorKey struct{}

// WithActor returns a context whose operations are done, and recorded, as a's.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

func actorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return System
}

// Can reports whether the actor's role grants perm.
func (a Actor) Can(perm Permission) bool { return Grants(a.Role) >= perm }

// authorize is Forbidden unless the context's actor may do perm; field names the part of
// the input that needs it, when one part does.
func authorize(ctx context.Context, perm Permission, field string) error {
	a := actorOf(ctx)
	if a.Can(perm) {
		return nil
	}
	role := a.Role
	if role == "" {
		role = "anonymous"
	}
	return errorf(Forbidden, field, "the "+role+" role may not "+permissionVerbs[perm]+"; ask an admin for a key with that permission")
}
