package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/verbatimhq/verbatim/db"
	"io"
	"strings"
)

// flags is a subcommand's flag set. Its usage line names the positional arguments too;
// help asked for with -h is output and goes to standard output, while a mistake's message
// and the usage after it go to standard error.
//
// A deployment's flags may also be set in the environment, as VERBATIM_ and the name in
// capitals with _ for - (--rate-read: VERBATIM_RATE_READ); a flag on the command line
// wins. Those are all of serve's, and --db, --key and the linking policy (--link-*)
// everywhere — an import links as the deployment's server does; the one-off flags of the
// other commands never are, so no variable left in a shell forces a restore or renames a
// key.
type flags struct {
	*flag.FlagSet
	line           string // "import FILE [--format F] …", after "verbatim "
	getenv         func(string) string
	deployment     bool // every flag is read from the environment too, not only --db and --key
	stdout, stderr io.Writer
}

// newFlags makes the flag set of the subcommand line begins with.
func newFlags(line string, getenv func(string) string, stdout, stderr io.Writer) *flags {
	name, _, _ := strings.Cut(line, " ")
	f := &flags{FlagSet: flag.NewFlagSet("verbatim "+name, flag.ContinueOnError), line: line, getenv: getenv, stdout: stdout, stderr: stderr}
	f.SetOutput(stderr)
	f.Usage = func() {
		fmt.Fprintf(f.Output(), "usage: verbatim %s\n\n", f.line)
		f.PrintDefaults()
		if f.deployment {
			fmt.Fprintf(f.Output(), "\nEach flag may be set in the environment instead: --rate-read as %s.\n", envName("rate-read"))
		} else if f.Lookup("db") != nil {
			fmt.Fprintf(f.Output(), "\n--db may be set in the environment instead, as %s.\n", envName("db"))
		}
	}
	return f
}

// dbFlag declares the --db flag every subcommand that touches the database shares.
func dbFlag(fs *flags, usage string) *string {
	return fs.String("db", "./verbatim.db", usage+": an SQLite file or a postgres:// URL")
}

// envName is the environment variable that sets the flag name.
func envName(name string) string {
	return "VERBATIM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// renamed are environment variables whose flags' names they no longer follow: set, they
// stop the command rather than be ignored (an ignored VERBATIM_TRUSTED_PROXIES would
// rate-limit every client behind the proxy as one).
var renamed = map[string]string{
	"VERBATIM_TRUSTED_PROXIES": "VERBATIM_TRUSTED_PROXY",
	"VERBATIM_CORS_ORIGINS":    "VERBATIM_CORS_ORIGIN",
}

// fromEnv sets each flag its environment variable gives a value.
func (fs *flags) fromEnv() error {
	for old, now := range renamed {
		if fs.getenv(old) != "" {
			return fmt.Errorf("%s is now %s (the flag's name in capitals): rename it", old, now)
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if !fs.deployment && f.Name != "db" && f.Name != "key" && !strings.HasPrefix(f.Name, "link-") {
			return
		}
		if v := fs.getenv(envName(f.Name)); v != "" && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, serr)
			}
		}
	})
	return err
}

// parse parses the flags of a subcommand that takes no positional argument.
func (fs *flags) parse(args []string) error {
	_, err := fs.parseArgs(args)
	return err
}

// parseArgs parses a subcommand's flags wherever they stand among its positional
// arguments — before, after or between them, as git, docker and sqlite3 take them; after
// "--" everything is positional — and requires the positional arguments named by want
// (their names are for the message). -h prints the subcommand's usage and runs nothing.
func (fs *flags) parseArgs(args []string, want ...string) ([]string, error) {
	if err := fs.fromEnv(); err != nil {
		fmt.Fprintf(fs.stderr, "%s: %v\n", fs.Name(), err)
		return nil, errUsage
	}
	var pos []string
	fs.SetOutput(io.Discard) // the flag package's own printing; ours follows
	defer fs.SetOutput(fs.stderr)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(fs.stdout)
				fs.Usage()
				return nil, errHelp
			}
			fs.SetOutput(fs.stderr)
			fmt.Fprintf(fs.stderr, "%s: %v\n", fs.Name(), err)
			fs.Usage()
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != len(want) {
		fs.SetOutput(fs.stderr)
		if len(pos) > len(want) {
			fmt.Fprintf(fs.stderr, "%s: unexpected argument %q\n", fs.Name(), pos[len(want)])
		} else {
			fmt.Fprintf(fs.stderr, "%s: give %s\n", fs.Name(), strings.Join(want[len(pos):], " and "))
		}
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

// linkFlags declares the linking policy's flags (db.LinkPolicy) on the commands that
// record words — serve and import — and returns the policy they set, once parsed.
func linkFlags(fs *flags) func() db.LinkPolicy {
	d := db.DefaultLinkPolicy
	confirm := fs.Float64("link-confirm", d.ConfirmMin, "similarity from which the same speaker's recorded words are linked to a stored quote as its appearance")
	suggest := fs.Float64("link-suggest", d.SuggestMin, "similarity from which recorded words get a suggested link for a fact-checker")
	words := fs.Int("link-min-words", d.MinWords, "fewer words (either side) are only ever suggested")
	return func() db.LinkPolicy {
		return db.LinkPolicy{ConfirmMin: *confirm, SuggestMin: *suggest, MinWords: *words}
	}
}
