package docsync

import (
	"go/scanner"
	"go/token"
)

// Token is one Go token of a file or a block: its kind and, for
// identifiers, literals and comments, its text.
type Token struct {
	Kind token.Token
	Text string
}

// Tokens returns the Go tokens of src, comments included, so that two
// texts that differ only in layout (what gofmt changes: spaces around
// operators, the alignment of comments, indentation) have the same tokens.
// Text that is not Go is scanned as far as it goes; errors are ignored.
func Tokens(src []byte) []Token {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), src, func(token.Position, string) {}, scanner.ScanComments)
	var out []Token
	for {
		_, kind, lit := s.Scan()
		if kind == token.EOF {
			return out
		}
		switch {
		case kind == token.SEMICOLON:
			lit = "" // written or inserted at a line's end: the same
		case kind.IsOperator() || kind.IsKeyword():
			lit = ""
		}
		out = append(out, Token{kind, lit})
	}
}

// Match reports whether the tokens of block appear, contiguous and in
// order, in toks: whether a file whose tokens are toks holds the block,
// whatever its layout. A block's last statement ends with an inserted
// semicolon that the file may follow with a comma or a parenthesis, so a
// trailing semicolon of the block is not required.
func Match(toks []Token, block string) bool {
	want := Tokens([]byte(block))
	for len(want) > 0 && want[len(want)-1].Kind == token.SEMICOLON {
		want = want[:len(want)-1]
	}
	if len(want) == 0 {
		return true
	}
	for i := 0; i+len(want) <= len(toks); i++ {
		if toks[i] != want[0] {
			continue
		}
		j := 1
		for j < len(want) && toks[i+j] == want[j] {
			j++
		}
		if j == len(want) {
			return true
		}
	}
	return false
}
