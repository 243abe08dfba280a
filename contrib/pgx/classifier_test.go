package redresspgx_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/redress-go/redress/classifier"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
)

// safeToRetry is an error of a request that never left the client, as
// pgconn reports it.
type safeToRetry struct{}

func (safeToRetry) Error() string     { return "write failed before sending" }
func (safeToRetry) SafeToRetry() bool { return true }

func TestClassifier(t *testing.T) {
	errPlain := errors.New("plain")
	tests := []struct {
		give string
		err  error
		want classifier.Classification
	}{
		{"nil", nil, classifier.Classification{}},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, sqlstate(classifier.Concurrency, "40001")},
		{"deadlock", fmt.Errorf("transfer: %w", &pgconn.PgError{Code: "40P01"}), sqlstate(classifier.Concurrency, "40P01")},
		{"unique violation", &pgconn.PgError{Code: "23505"}, sqlstate(classifier.Permanent, "23505")},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, sqlstate(classifier.Transient, "57P01")},
		{"bad password", &pgconn.PgError{Code: "28P01"}, sqlstate(classifier.Auth, "28P01")},
		{"insufficient privilege", &pgconn.PgError{Code: "42501"}, sqlstate(classifier.Permission, "42501")},
		{"query cancelled", &pgconn.PgError{Code: "57014"}, sqlstate(classifier.Unknown, "57014")},
		{"pgx no rows", pgx.ErrNoRows, classifier.Classification{Class: classifier.Permanent}},
		{"wrapped no rows", fmt.Errorf("user 7: %w", pgx.ErrNoRows), classifier.Classification{Class: classifier.Permanent}},
		{"sql no rows", sql.ErrNoRows, classifier.Classification{Class: classifier.Permanent}},
		{"tx closed", pgx.ErrTxClosed, classifier.Classification{Class: classifier.Permanent}},
		{"sql tx done", sql.ErrTxDone, classifier.Classification{Class: classifier.Permanent}},
		{"safe to retry", safeToRetry{}, classifier.Classification{Class: classifier.Transient}},
		{"bad conn", driver.ErrBadConn, classifier.Classification{Class: classifier.Transient}},
		{"unexpected EOF", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF), classifier.Classification{Class: classifier.Transient}},
		{"marked unknown is final", classifier.Mark(pgx.ErrNoRows, classifier.Unknown), classifier.Classification{}},
		{"marker wins over SQLSTATE", classifier.MarkTransient(&pgconn.PgError{Code: "23505"}), classifier.Classification{Class: classifier.Transient}},
		{"commit rolled back", pgx.ErrTxCommitRollback, classifier.Classification{}},
		{"plain", errPlain, classifier.Classification{}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got := redresspgx.Classifier.Classify(tt.err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify(%v) (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

func sqlstate(c classifier.Class, code string) classifier.Classification {
	return classifier.Classification{Class: c, Details: map[string]string{"sqlstate": code}}
}

// A server that answers the start-up message with something that is not
// PostgreSQL: connecting fails with a *pgconn.ConnectError that nothing
// but its type says is worth retrying.
func TestClassifierConnectError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var buf [8]byte
		_, _ = io.ReadFull(c, buf[:])
		_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = pgconn.Connect(ctx, "postgres://u@"+ln.Addr().String()+"/db?sslmode=disable")
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *pgconn.ConnectError", err)
	}
	if got := classifier.Default.Classify(err).Class; got != classifier.Unknown {
		t.Logf("classifier.Default already says %v", got)
	}
	if got := redresspgx.Classifier.Classify(err).Class; got != classifier.Transient {
		t.Errorf("Classify(%v) = %v, want TRANSIENT", err, got)
	}
}

// FuzzClassifierSQLState: a PostgreSQL error's class is the SQLSTATE
// table's, whatever the code.
func FuzzClassifierSQLState(f *testing.F) {
	for _, code := range []string{"40001", "40P01", "23505", "08006", "28P01", "42501", "57014", "", "4000", "zzzzz"} {
		f.Add(code)
	}
	f.Fuzz(func(t *testing.T, code string) {
		got := redresspgx.Classifier.Classify(&pgconn.PgError{Code: code})
		if want := classifier.SQLState(code); got.Class != want {
			t.Errorf("Classify(PgError %q) = %v, want %v", code, got.Class, want)
		}
		if !got.Class.Valid() {
			t.Errorf("invalid class %v", got.Class)
		}
	})
}

func TestCommitError(t *testing.T) {
	pgErr := &pgconn.PgError{Code: "40001"}
	known := []error{nil, pgErr, pgx.ErrTxCommitRollback, pgx.ErrTxClosed, sql.ErrTxDone, safeToRetry{}, driver.ErrBadConn}
	for _, err := range known {
		if got := redresspgx.CommitError(err); got != err {
			t.Errorf("CommitError(%v) = %v, want it unchanged: the transaction did not commit", err, got)
		}
	}
	cut := fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF)
	got := redresspgx.CommitError(cut)
	type facts struct{ Unknown, WrapsCut, Permanent bool }
	want := facts{true, true, true}
	if diff := cmp.Diff(want, facts{
		errors.Is(got, redresspgx.ErrCommitUnknown),
		errors.Is(got, io.ErrUnexpectedEOF),
		classifier.Default.Classify(got).Class == classifier.Permanent,
	}); diff != "" {
		t.Errorf("CommitError(%v) = %v (-want +got):\n%s", cut, got, diff)
	}
}
