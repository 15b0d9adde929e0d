// Command verify checks a `detente log export` tree with Go's reference implementations of signed notes and
// RFC 6962 transparency logs (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), and none of our code.
//
// Usage:
//
//	verify [--client-only] [--resign SKEY_FILE] [--inclusion INDEX SIZE PROOF.json]...
//	       [--consistency FROM TO PROOF.json]... EXPORT_DIR VKEY
//
// VKEY is a verifier key (name+hexid+base64) or a file holding one. The proof files are what
// `detente log prove --json` prints. On success it prints `OK <origin> <size>`, then one `OK …` line a proof,
// and exits 0; otherwise it prints `FAIL: <what>` on stderr and exits 1 (2 for bad usage).
//
// What it checks:
//   - the checkpoint opens under VKEY with note.Open (C2SP signed-note), and its text is a C2SP tlog-checkpoint:
//     origin, decimal size without leading zeros, base64 root of 32 bytes, optional non-empty extension lines;
//     with --resign, note.Sign with the log's private key reproduces the checkpoint byte for byte;
//   - every entry bundle tile/entries/<N>[.p/<W>] of the tree decodes: uint16-BE length prefixes, exactly W
//     entries, nothing after;
//   - server side (as sumdb's server writes a log): the tree is rebuilt from the entries alone with
//     tlog.StoredHashes; every hash tile tile/<L>/<N>[.p/<W>] of the tree must be byte for byte
//     tlog.ReadTileData of it, and tlog.TreeHash must be the checkpoint's root;
//   - client side (as sumdb's client reads one): a tlog.TileReader maps Go's tiles (height 8) to the C2SP paths,
//     tlog.TileHashReader reads every record hash 0..size-1 and checks the tiles it loads against the root, each
//     record hash must be tlog.RecordHash of its entry, tlog.TreeHash over the tiles must be the root, and every
//     tile of the tree (and no other) must have been loaded;
//   - each inclusion proof passes tlog.CheckRecord with the leaf hash of the exported entry and the root Go
//     computes for SIZE, and equals tlog.ProveRecord's proof hash for hash (Go's proofs are RFC 6962 audit
//     paths, leaf side first); each consistency proof likewise with tlog.CheckTree and tlog.ProveTree. The roots
//     and signed checkpoints in the JSON must agree with Go's.
//
// --client-only skips the server side (proofs are then checked against the tiles). It exists to show that the
// client side alone is not enough with x/mod v0.7.0: TileHashReader starts its parent checks at index
// len(stx) of its tile list, which counts the tree-hash subtrees rather than the tiles holding them, so when
// several of those subtrees share a tile, the next tiles are returned unchecked.
//
// Go's sumdb serves tiles at tile/<H>/<L>/<N> and defines the empty tree's hash as all zeros; C2SP drops H
// and RFC 6962 defines the empty root as SHA-256(""). Both differences are handled here, explicitly.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	height    = 8 // C2SP tlog-tiles fixes the tile height at 8 (256 hashes a tile)
	tileWidth = 1 << height
)

type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func failf(format string, args ...interface{}) error {
	return failure{fmt.Sprintf(format, args...)}
}

// c2spPath maps a Go tile of height 8 to its C2SP path with Go's own encoder (Tile.Path, which x-groups N the
// same way): C2SP only drops the height element, and calls Go's "data" tiles (level -1) entry bundles.
func c2spPath(t tlog.Tile) string {
	rest := strings.TrimPrefix(t.Path(), "tile/"+strconv.Itoa(height)+"/")
	if strings.HasPrefix(rest, "data/") {
		return "tile/entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// dirTileReader is a tlog.TileReader over an export directory. It remembers which tiles were loaded.
type dirTileReader struct {
	dir    string
	loaded map[tlog.Tile]bool
}

func (r *dirTileReader) Height() int { return height }

func (r *dirTileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if t.H != height {
			return nil, failf("asked for a tile of height %d", t.H)
		}
		p := c2spPath(t)
		data, err := ioutil.ReadFile(filepath.Join(r.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, failf("%s: %v", p, err)
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, failf("%s: %d bytes, want %d", p, len(data), t.W*tlog.HashSize)
		}
		out[i] = data
		r.loaded[t] = true
	}
	return out, nil
}

func (r *dirTileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint parses C2SP tlog-checkpoint note text (already opened, so signed).
func parseCheckpoint(text string) (checkpoint, error) {
	var c checkpoint
	if !strings.HasSuffix(text, "\n") {
		return c, failf("checkpoint text does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return c, failf("checkpoint text has %d lines, want at least 3", len(lines))
	}
	c.origin = lines[0]
	if c.origin == "" {
		return c, failf("checkpoint origin is empty")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return c, failf("checkpoint size %q is not a decimal without leading zeros", lines[1])
	}
	c.size = size
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize || base64.StdEncoding.EncodeToString(root) != lines[2] {
		return c, failf("checkpoint root %q is not the base64 of 32 bytes", lines[2])
	}
	copy(c.root[:], root)
	for i, ext := range lines[3:] {
		if ext == "" {
			return c, failf("checkpoint extension line %d is empty", i+1)
		}
	}
	return c, nil
}

func openCheckpoint(msg []byte, verifier note.Verifier) (checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, failf("note.Open: %v", err)
	}
	return parseCheckpoint(n.Text)
}

// decodeBundle splits a C2SP entry bundle: each entry a uint16-BE length, then its bytes.
func decodeBundle(data []byte, want int, path string) ([][]byte, error) {
	var entries [][]byte
	for off := 0; off < len(data); {
		if off+2 > len(data) {
			return nil, failf("%s: truncated length prefix at byte %d", path, off)
		}
		n := int(binary.BigEndian.Uint16(data[off:]))
		off += 2
		if off+n > len(data) {
			return nil, failf("%s: entry %d runs past the end", path, len(entries))
		}
		entries = append(entries, data[off:off+n])
		off += n
	}
	if len(entries) != want {
		return nil, failf("%s: %d entries, want %d", path, len(entries), want)
	}
	return entries, nil
}

// memHashes is a tlog.HashReader over stored hashes kept in memory, in Go's storage order (tlog.StoredHashIndex).
type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, failf("stored hash %d is not in the tree", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

type verifier struct {
	dir     string
	vkey    note.Verifier
	cp      checkpoint
	entries [][]byte        // every entry of the export, from its bundles
	hashes  tlog.HashReader // what proofs are checked against: Go's own tree, or the tiles (--client-only)
}

// tilesOfTree lists the tiles of a tree of size leaves: at each level the full tiles and at most one partial.
// (Not tlog.NewTiles: it lists every partial width a log publishes on the way to size, for sumdb's server.)
func tilesOfTree(size int64) []tlog.Tile {
	var tiles []tlog.Tile
	for level := 0; size>>(height*level) > 0; level++ {
		count := size >> (height * level) // hashes at tree level 8·level
		for n := int64(0); n*tileWidth < count; n++ {
			w := count - n*tileWidth
			if w > tileWidth {
				w = tileWidth
			}
			tiles = append(tiles, tlog.Tile{H: height, L: level, N: n, W: int(w)})
		}
	}
	return tiles
}

// readEntries decodes every entry bundle of the tree, full ones and the partial one.
func (v *verifier) readEntries() error {
	for n := int64(0); n*tileWidth < v.cp.size; n++ {
		w := v.cp.size - n*tileWidth
		if w > tileWidth {
			w = tileWidth
		}
		p := c2spPath(tlog.Tile{H: height, L: -1, N: n, W: int(w)})
		data, err := ioutil.ReadFile(filepath.Join(v.dir, filepath.FromSlash(p)))
		if err != nil {
			return failf("%s: %v", p, err)
		}
		entries, err := decodeBundle(data, int(w), p)
		if err != nil {
			return err
		}
		v.entries = append(v.entries, entries...)
	}
	return nil
}

// treeHash is RFC 6962's MTH of the first n records; Go's TreeHash says all zeros for n = 0.
func treeHash(n int64, r tlog.HashReader) (tlog.Hash, error) {
	if n == 0 {
		return tlog.Hash(sha256.Sum256(nil)), nil
	}
	return tlog.TreeHash(n, r)
}

// serverSide rebuilds the tree from the entries alone, the way sumdb's server writes it (tlog.StoredHashes), and
// requires every exported tile to be byte for byte tlog.ReadTileData of that tree, and its root the checkpoint's.
func (v *verifier) serverSide() (tlog.HashReader, error) {
	mem := &memHashes{}
	for n, e := range v.entries {
		hashes, err := tlog.StoredHashes(int64(n), e, mem)
		if err != nil {
			return nil, failf("tlog.StoredHashes(%d): %v", n, err)
		}
		*mem = append(*mem, hashes...)
	}
	for _, t := range tilesOfTree(v.cp.size) {
		p := c2spPath(t)
		want, err := tlog.ReadTileData(t, mem)
		if err != nil {
			return nil, failf("tlog.ReadTileData(%s): %v", p, err)
		}
		got, err := ioutil.ReadFile(filepath.Join(v.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, failf("%s: %v", p, err)
		}
		if len(got) != len(want) {
			return nil, failf("%s: %d bytes, want %d", p, len(got), len(want))
		}
		for i := 0; i < t.W; i++ {
			a, b := got[i*tlog.HashSize:(i+1)*tlog.HashSize], want[i*tlog.HashSize:(i+1)*tlog.HashSize]
			if !bytes.Equal(a, b) {
				var h, w tlog.Hash
				copy(h[:], a)
				copy(w[:], b)
				index := t.N*tileWidth + int64(i)
				if t.L == 0 {
					return nil, failf("%s: record hash %d is %v, but entry %d hashes to %v", p, i, h, index, w)
				}
				return nil, failf("%s: hash %d (tree level %d, index %d) is %v, but Go computes %v from the entries",
					p, i, t.L*height, index, h, w)
			}
		}
	}
	root, err := treeHash(v.cp.size, mem)
	if err != nil {
		return nil, failf("tlog.TreeHash(%d): %v", v.cp.size, err)
	}
	if root != v.cp.root {
		return nil, failf("Go computes root %v from the %d entries, but the checkpoint says %v", root, v.cp.size, v.cp.root)
	}
	return mem, nil
}

// clientSide reads the log the way sumdb's client does: tlog.TileHashReader over the exported tiles (C2SP paths),
// which checks the tiles it loads against the checkpoint's root, then compares each record hash with its entry.
// x/mod 0.7.0's TileHashReader skips the parent check of some tiles (see the test), so serverSide is what
// makes this verifier complete; this half proves that Go's client reads our tiles and finds them consistent.
func (v *verifier) clientSide() (tlog.HashReader, error) {
	size := v.cp.size
	reader := &dirTileReader{dir: v.dir, loaded: map[tlog.Tile]bool{}}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: v.cp.root}, reader)
	if size == 0 {
		if v.cp.root != tlog.Hash(sha256.Sum256(nil)) {
			return nil, failf("size 0 but the root is %v, not SHA-256(\"\")", v.cp.root)
		}
		return hr, nil
	}
	for lo := int64(0); lo < size; lo += tileWidth {
		hi := lo + tileWidth
		if hi > size {
			hi = size
		}
		indexes := make([]int64, 0, hi-lo)
		for i := lo; i < hi; i++ {
			indexes = append(indexes, tlog.StoredHashIndex(0, i))
		}
		hashes, err := hr.ReadHashes(indexes)
		if err != nil {
			return nil, failf("tlog.TileHashReader: record hashes %d..%d: %v", lo, hi-1, err)
		}
		for i, h := range hashes {
			if tlog.RecordHash(v.entries[lo+int64(i)]) != h {
				return nil, failf("entry %d does not hash to its record hash %v in %s", lo+int64(i), h, c2spPath(tlog.Tile{H: height, L: 0, N: lo / tileWidth, W: int(hi - lo)}))
			}
		}
	}
	root, err := treeHash(size, hr)
	if err != nil {
		return nil, failf("tlog.TreeHash(%d) over the tiles: %v", size, err)
	}
	if root != v.cp.root {
		return nil, failf("tlog.TreeHash(%d) over the tiles = %v, but the checkpoint says %v", size, root, v.cp.root)
	}
	// Every tile of the tree was loaded (so checked, within the limit above), and nothing else was asked for.
	var missed []string
	inTree := map[tlog.Tile]bool{}
	for _, t := range tilesOfTree(size) {
		inTree[t] = true
		if !reader.loaded[t] {
			missed = append(missed, c2spPath(t))
		}
	}
	if len(missed) > 0 {
		sort.Strings(missed)
		return nil, failf("tiles tlog.TileHashReader never loaded: %s", strings.Join(missed, " "))
	}
	for t := range reader.loaded {
		if !inTree[t] {
			return nil, failf("tlog.TileHashReader asked for %s, not a tile of a tree of size %d", c2spPath(t), size)
		}
	}
	return hr, nil
}

// signedRoot checks an optional checkpoint carried by a proof: signed by our key, of this size and root.
func (v *verifier) signedRoot(note *string, size int64, root tlog.Hash, what string) error {
	if note == nil {
		return nil
	}
	c, err := openCheckpoint([]byte(*note), v.vkey)
	if err != nil {
		return failf("%s: %v", what, err)
	}
	if c.origin != v.cp.origin || c.size != size || c.root != root {
		return failf("%s is %s/%d/%v, want %s/%d/%v", what, c.origin, c.size, c.root, v.cp.origin, size, root)
	}
	return nil
}

type inclusionJSON struct {
	Index      *int64      `json:"index"`
	Size       *int64      `json:"size"`
	LeafHash   tlog.Hash   `json:"leafHash"`
	Root       tlog.Hash   `json:"root"`
	Proof      []tlog.Hash `json:"proof"`
	Checkpoint *string     `json:"checkpoint"`
}

type consistencyJSON struct {
	From           *int64      `json:"from"`
	To             *int64      `json:"to"`
	FromRoot       tlog.Hash   `json:"fromRoot"`
	ToRoot         tlog.Hash   `json:"toRoot"`
	Proof          []tlog.Hash `json:"proof"`
	FromCheckpoint *string     `json:"fromCheckpoint"`
	ToCheckpoint   *string     `json:"toCheckpoint"`
}

func readJSON(path string, v interface{}) error {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		return failf("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return failf("%s: %v", path, err)
	}
	return nil
}

func sameProof(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (v *verifier) checkInclusion(index, size int64, path string) error {
	var p inclusionJSON
	if err := readJSON(path, &p); err != nil {
		return err
	}
	if p.Index == nil || p.Size == nil || *p.Index != index || *p.Size != size {
		return failf("%s: not a proof for index %d in size %d", path, index, size)
	}
	if index < 0 || index >= size || size > v.cp.size {
		return failf("%s: index %d, size %d: outside the exported tree of size %d", path, index, size, v.cp.size)
	}
	leaf := tlog.RecordHash(v.entries[index])
	if p.LeafHash != leaf {
		return failf("%s: leafHash %v, but entry %d hashes to %v", path, p.LeafHash, index, leaf)
	}
	root, err := treeHash(size, v.hashes)
	if err != nil {
		return failf("tlog.TreeHash(%d): %v", size, err)
	}
	if p.Root != root {
		return failf("%s: root %v, but Go computes %v for size %d", path, p.Root, root, size)
	}
	if err := v.signedRoot(p.Checkpoint, size, root, path+": checkpoint"); err != nil {
		return err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(p.Proof), size, root, index, leaf); err != nil {
		return failf("%s: tlog.CheckRecord(index %d, size %d): %v", path, index, size, err)
	}
	goProof, err := tlog.ProveRecord(size, index, v.hashes)
	if err != nil {
		return failf("tlog.ProveRecord(%d, %d): %v", size, index, err)
	}
	if !sameProof(goProof, p.Proof) {
		return failf("%s: the proof verifies but differs from tlog.ProveRecord's %v", path, goProof)
	}
	return nil
}

func (v *verifier) checkConsistency(from, to int64, path string) error {
	var p consistencyJSON
	if err := readJSON(path, &p); err != nil {
		return err
	}
	if p.From == nil || p.To == nil || *p.From != from || *p.To != to {
		return failf("%s: not a proof from size %d to size %d", path, from, to)
	}
	if from < 0 || from > to || to > v.cp.size {
		return failf("%s: sizes %d..%d: outside the exported tree of size %d", path, from, to, v.cp.size)
	}
	fromRoot, err := treeHash(from, v.hashes)
	if err != nil {
		return failf("tlog.TreeHash(%d): %v", from, err)
	}
	toRoot, err := treeHash(to, v.hashes)
	if err != nil {
		return failf("tlog.TreeHash(%d): %v", to, err)
	}
	if p.FromRoot != fromRoot || p.ToRoot != toRoot {
		return failf("%s: roots %v, %v, but Go computes %v, %v", path, p.FromRoot, p.ToRoot, fromRoot, toRoot)
	}
	if err := v.signedRoot(p.FromCheckpoint, from, fromRoot, path+": fromCheckpoint"); err != nil {
		return err
	}
	if err := v.signedRoot(p.ToCheckpoint, to, toRoot, path+": toCheckpoint"); err != nil {
		return err
	}
	if from == 0 {
		// RFC 6962 defines no proof from the empty tree; Go's CheckTree refuses size 0. It must be empty.
		if len(p.Proof) != 0 {
			return failf("%s: a proof from size 0 must be empty, got %d hashes", path, len(p.Proof))
		}
		return nil
	}
	if err := tlog.CheckTree(tlog.TreeProof(p.Proof), to, toRoot, from, fromRoot); err != nil {
		return failf("%s: tlog.CheckTree(%d → %d): %v", path, from, to, err)
	}
	goProof, err := tlog.ProveTree(to, from, v.hashes)
	if err != nil {
		return failf("tlog.ProveTree(%d, %d): %v", to, from, err)
	}
	if !sameProof(goProof, p.Proof) {
		return failf("%s: the proof verifies but differs from tlog.ProveTree's %v", path, goProof)
	}
	return nil
}

type proofArg struct {
	kind string
	a, b int64
	path string
}

type options struct {
	dir, vkey  string
	proofs     []proofArg
	clientOnly bool
	skey       string // --resign: a Go signer key file
}

// resign signs the checkpoint's text again with note.Sign and the log's private key: Ed25519 is deterministic,
// so Go must reproduce the exported checkpoint byte for byte.
func resign(msg []byte, skeyFile string) error {
	skey, err := ioutil.ReadFile(skeyFile)
	if err != nil {
		return failf("--resign: %v", err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return failf("note.NewSigner: %v", err)
	}
	text := msg[:bytes.LastIndex(msg, []byte("\n\n"))+1]
	again, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return failf("note.Sign: %v", err)
	}
	if !bytes.Equal(again, msg) {
		return failf("note.Sign with the log's key gives %q, but the checkpoint is %q", again, msg)
	}
	return nil
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "verify: %s\nusage: verify [--client-only] [--resign SKEY_FILE] [--inclusion INDEX SIZE PROOF.json]... [--consistency FROM TO PROOF.json]... EXPORT_DIR VKEY\n", msg)
	os.Exit(2)
}

func parseArgs(args []string) options {
	var o options
	var rest []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--client-only":
			o.clientOnly = true
		case "--resign":
			if i+1 >= len(args) {
				usage("--resign takes a signer key file")
			}
			o.skey = args[i+1]
			i++
		case "--inclusion", "--consistency":
			if i+3 >= len(args) {
				usage(args[i] + " takes three arguments")
			}
			a, err1 := strconv.ParseInt(args[i+1], 10, 64)
			b, err2 := strconv.ParseInt(args[i+2], 10, 64)
			if err1 != nil || err2 != nil {
				usage(args[i] + ": sizes must be integers")
			}
			o.proofs = append(o.proofs, proofArg{strings.TrimPrefix(args[i], "--"), a, b, args[i+3]})
			i += 3
		default:
			if strings.HasPrefix(args[i], "-") {
				usage("unknown option " + args[i])
			}
			rest = append(rest, args[i])
		}
	}
	if len(rest) != 2 {
		usage("expected EXPORT_DIR and VKEY")
	}
	o.dir, o.vkey = rest[0], rest[1]
	if data, err := ioutil.ReadFile(o.vkey); err == nil {
		o.vkey = strings.TrimSpace(string(data))
	}
	return o
}

func run(o options) ([]string, error) {
	verifierKey, err := note.NewVerifier(o.vkey)
	if err != nil {
		return nil, failf("note.NewVerifier: %v", err)
	}
	msg, err := ioutil.ReadFile(filepath.Join(o.dir, "checkpoint"))
	if err != nil {
		return nil, failf("checkpoint: %v", err)
	}
	cp, err := openCheckpoint(msg, verifierKey)
	if err != nil {
		return nil, failf("checkpoint: %v", err)
	}
	if o.skey != "" {
		if err := resign(msg, o.skey); err != nil {
			return nil, err
		}
	}
	v := &verifier{dir: o.dir, vkey: verifierKey, cp: cp}
	if err := v.readEntries(); err != nil {
		return nil, err
	}
	if !o.clientOnly {
		if v.hashes, err = v.serverSide(); err != nil {
			return nil, err
		}
	}
	client, err := v.clientSide()
	if err != nil {
		return nil, err
	}
	if o.clientOnly {
		v.hashes = client
	}
	out := []string{fmt.Sprintf("OK %s %d", cp.origin, cp.size)}
	for _, p := range o.proofs {
		if p.kind == "inclusion" {
			err = v.checkInclusion(p.a, p.b, p.path)
		} else {
			err = v.checkConsistency(p.a, p.b, p.path)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("OK %s %d %d", p.kind, p.a, p.b))
	}
	return out, nil
}

func main() {
	out, err := run(parseArgs(os.Args[1:]))
	if err != nil {
		var f failure
		if !errors.As(err, &f) {
			err = failf("%v", err)
		}
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(strings.Join(out, "\n"))
}
