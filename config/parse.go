package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// Load reads and parses the file at path (see Parse).
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return Parse(path, data)
}

// Parse reads a configuration from data, which is JSON; name is the file
// name its errors report. It returns an *Error at the first problem: a
// syntax error, a field the format does not have, a value of the wrong
// type, a malformed duration or class, a reference to a breaker or budget
// the file does not define, or a value that the Go option it stands for
// refuses (a max_attempts of 0 is refused as retry.WithMaxAttempts(0)
// is).
//
// YAML users convert first, for example with yq: yq -o=json policies.yaml.
func Parse(name string, data []byte) (*File, error) {
	f := &File{name: name, data: data, pos: posIndex{}}
	w := walker{f: f, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if err := w.value("", reflect.TypeFor[File]()); err != nil {
		return nil, err
	}
	if off := skipSpace(data, int(w.dec.InputOffset())); off < len(data) {
		return nil, f.errAt(off, "", errors.New("data after the configuration's closing brace"))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		// The walk above checked what the decoder checks, with positions;
		// this is a safety net.
		off := 0
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			off = int(te.Offset)
		}
		return nil, f.errAt(off, "", err)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// posIndex maps a field path to the offset where its value starts, and
// a map key's path+keySuffix to where the key starts.
type posIndex map[string]int

const keySuffix = "\x00key"

// errAt returns an *Error at byte offset off of the file.
func (f *File) errAt(off int, path string, err error) *Error {
	e := &Error{File: f.name, Path: path, Err: err}
	if f.data != nil && off >= 0 {
		off = min(off, len(f.data))
		e.Line = bytes.Count(f.data[:off], []byte{'\n'}) + 1
		e.Column = off - (bytes.LastIndexByte(f.data[:off], '\n') + 1) + 1
	}
	return e
}

// errPath returns an *Error at the value of path, or at the nearest
// enclosing field the file has (a File made in Go has no positions).
func (f *File) errPath(path string, err error) *Error {
	if f.pos == nil {
		return &Error{File: f.name, Path: path, Err: err}
	}
	for p := path; ; {
		if off, ok := f.pos[p]; ok {
			return f.errAt(off, path, err)
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return f.errAt(0, path, err)
		}
		p = p[:i]
	}
}

// errKey returns an *Error at the key of the map entry path.
func (f *File) errKey(path string, err error) *Error {
	if off, ok := f.pos[path+keySuffix]; ok {
		return f.errAt(off, path, err)
	}
	return f.errPath(path, err)
}

// Position returns the line and column (1-based) where the value of the
// field path starts, as Error reports it: policies["users.get"].deadline.
// It returns 0, 0 for a field the file does not have or a File made in Go.
func (f *File) Position(path string) (line, column int) {
	off, ok := f.pos[path]
	if !ok {
		return 0, 0
	}
	e := f.errAt(off, "", nil)
	return e.Line, e.Column
}

// Name returns the file name given to Parse or Load.
func (f *File) Name() string { return f.name }

// walker reads the file token by token before it is decoded, to learn
// where each value starts and to report what the decoder would refuse
// with the position the decoder cannot give.
type walker struct {
	f   *File
	dec *json.Decoder
}

// start returns the offset where the next token starts.
func (w *walker) start() int {
	off := int(w.dec.InputOffset())
	d := w.f.data
	for off < len(d) && strings.IndexByte(" \t\r\n,:", d[off]) >= 0 {
		off++
	}
	return off
}

func (w *walker) token(path string) (json.Token, int, error) {
	off := w.start()
	tok, err := w.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, 0, w.f.errAt(int(se.Offset), path, fmt.Errorf("invalid JSON: %v", err))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of the file")
		}
		return nil, 0, w.f.errAt(off, path, fmt.Errorf("invalid JSON: %v", err))
	}
	return tok, off, nil
}

var (
	durationType = reflect.TypeFor[Duration]()
)

// value reads one value at path, which the format says has type t.
func (w *walker) value(path string, t reflect.Type) error {
	tok, off, err := w.token(path)
	if err != nil {
		return err
	}
	w.f.pos[path] = off
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(want string) error {
		return w.f.errAt(off, path, fmt.Errorf("want %s, got %s", want, describe(tok)))
	}
	if t == durationType {
		s, ok := tok.(string)
		if !ok {
			return bad("a duration string such as \"250ms\"")
		}
		if _, err := parseDuration(s); err != nil {
			return w.f.errAt(off, path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if tok != json.Delim('{') {
			return bad("an object")
		}
		for w.dec.More() {
			ktok, koff, err := w.token(path)
			if err != nil {
				return err
			}
			key := ktok.(string)
			var child string
			var ct reflect.Type
			if t.Kind() == reflect.Map {
				child, ct = path+"["+strconv.Quote(key)+"]", t.Elem()
			} else {
				child = key
				if path != "" {
					child = path + "." + key
				}
				if ct = fieldType(t, key); ct == nil {
					return w.f.errAt(koff, child, fmt.Errorf("unknown field %q (fields: %s)", key, strings.Join(fieldNames(t), ", ")))
				}
			}
			w.f.pos[child+keySuffix] = koff
			if err := w.value(child, ct); err != nil {
				return err
			}
		}
		_, _, err := w.token(path)
		return err
	case reflect.Slice:
		if tok != json.Delim('[') {
			return bad("an array")
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(fmt.Sprintf("%s[%d]", path, i), t.Elem()); err != nil {
				return err
			}
		}
		_, _, err := w.token(path)
		return err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return bad("a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return bad("true or false")
		}
	case reflect.Int, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return bad("a whole number")
		}
		var err error
		if t.Kind() == reflect.Int {
			_, err = strconv.ParseInt(n.String(), 10, 64)
		} else {
			_, err = strconv.ParseUint(n.String(), 10, 64)
		}
		if err != nil {
			return bad("a whole number in range")
		}
	case reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return bad("a number")
		}
		if v, err := n.Float64(); err != nil || math.IsInf(v, 0) {
			return bad("a finite number")
		}
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

// fieldType returns the type of the field of struct t named key in JSON,
// or nil.
func fieldType(t reflect.Type, key string) reflect.Type {
	for i := range t.NumField() {
		sf := t.Field(i)
		if name, _, _ := strings.Cut(sf.Tag.Get("json"), ","); name == key && sf.IsExported() {
			return sf.Type
		}
	}
	return nil
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func skipSpace(d []byte, off int) int {
	for off < len(d) && strings.IndexByte(" \t\r\n", d[off]) >= 0 {
		off++
	}
	return off
}
