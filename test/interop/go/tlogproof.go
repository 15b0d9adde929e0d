// Command tlogproof checks C2SP tlog-proof files and cosigned checkpoints under a C2SP tlog-policy, written from
// the specs (c2sp.org/tlog-proof, tlog-policy, tlog-cosignature) on Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog, with none of our code.
//
// Usage:
//
//	tlogproof POLICY PROOF ENTRY          a tlog-proof file for the entry's bytes
//	tlogproof --checkpoint POLICY NOTE    a checkpoint note with its cosignatures
//
// It prints `OK <origin> <size> <index or -> <witness names that cosigned, sorted>` and exits 0, or prints
// `FAIL: <what>` on stderr and exits 1.
//
// What it checks: the note opens with note.Open under the policy's log keys (note.NewVerifier, type 0x01) and a
// cosignature/v1 verifier for each witness key (type 0x04, written here: the key ID is SHA-256(name ‖ "\n" ‖
// 0x04 ‖ key)[:4], the signature is u64 timestamp ‖ Ed25519 over "cosignature/v1\ntime <t>\n" ‖ the checkpoint
// text); the log that signed is the one whose key name is the origin; the witnesses that cosigned meet the
// policy's quorum (groups of k of n, defined before use); and for a proof, tlog.CheckRecord of the inclusion
// proof for tlog.RecordHash(entry) at the index against the checkpoint's root.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/ioutil"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return ed25519.Verify(v.key, signed, sig[8:])
}

func newCosigVerifier(vkey string) (*cosigVerifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	id, b64, ok2 := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(b64)
	if !ok1 || !ok2 || err != nil || len(key) != 33 || key[0] != 0x04 {
		return nil, fmt.Errorf("witness vkey %q: expected name+id+base64(0x04 || 32-byte key)", vkey)
	}
	h := sha256.Sum256(append([]byte(name+"\n"), key...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != id {
		return nil, fmt.Errorf("witness vkey %q: key ID does not match", vkey)
	}
	return &cosigVerifier{name: name, hash: hash, key: ed25519.PublicKey(key[1:])}, nil
}

type group struct {
	k       int
	members []string
}

type policy struct {
	logs      []note.Verifier
	witnesses map[string]*cosigVerifier
	groups    map[string]group
	order     []string
	quorum    string
}

func parsePolicy(text string) (*policy, error) {
	p := &policy{witnesses: map[string]*cosigVerifier{}, groups: map[string]group{}}
	defined := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func(msg string) error { return fmt.Errorf("policy line %d: %s", i+1, msg) }
		switch f[0] {
		case "log":
			v, err := note.NewVerifier(f[1])
			if err != nil {
				return nil, bad(err.Error())
			}
			p.logs = append(p.logs, v)
		case "witness":
			if len(f) < 3 || defined[f[1]] || f[1] == "none" {
				return nil, bad("bad witness line")
			}
			v, err := newCosigVerifier(f[2])
			if err != nil {
				return nil, bad(err.Error())
			}
			p.witnesses[f[1]], defined[f[1]] = v, true
			p.order = append(p.order, f[1])
		case "group":
			if len(f) < 4 || defined[f[1]] || f[1] == "none" {
				return nil, bad("bad group line")
			}
			members := f[3:]
			k, err := strconv.Atoi(f[2])
			switch {
			case f[2] == "all":
				k = len(members)
			case f[2] == "any":
				k = 1
			case err != nil || k < 1 || k > len(members):
				return nil, bad("bad threshold")
			}
			for _, m := range members {
				if !defined[m] {
					return nil, bad("member " + m + " not defined earlier")
				}
			}
			p.groups[f[1]], defined[f[1]] = group{k, members}, true
			p.order = append(p.order, f[1])
		case "quorum":
			if len(f) != 2 || p.quorum != "" || (f[1] != "none" && !defined[f[1]]) {
				return nil, bad("bad quorum line")
			}
			p.quorum = f[1]
		default:
			return nil, bad("unknown keyword " + f[0])
		}
	}
	if p.quorum == "" {
		return nil, errors.New("policy: no quorum line")
	}
	return p, nil
}

// open verifies a checkpoint note under the policy; it returns the checkpoint and the witnesses that cosigned.
func (p *policy) open(msg []byte) (origin string, size int64, root tlog.Hash, cosigned []string, err error) {
	verifiers := append([]note.Verifier{}, p.logs...)
	for _, w := range p.witnesses {
		verifiers = append(verifiers, w)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return "", 0, root, nil, fmt.Errorf("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return "", 0, root, nil, errors.New("checkpoint: too short")
	}
	origin = lines[0]
	size, err = strconv.ParseInt(lines[1], 10, 64)
	r, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || err2 != nil || len(r) != 32 {
		return "", 0, root, nil, errors.New("checkpoint: bad size or root")
	}
	copy(root[:], r)
	logSigned := false
	ok := map[string]bool{}
	for _, s := range n.Sigs {
		for _, l := range p.logs {
			if s.Name == origin && s.Name == l.Name() && s.Hash == l.KeyHash() {
				logSigned = true
			}
		}
		for name, w := range p.witnesses {
			if s.Name == w.name && s.Hash == w.hash {
				ok[name] = true
				cosigned = append(cosigned, name)
			}
		}
	}
	if !logSigned {
		return "", 0, root, nil, fmt.Errorf("no signature of a policy log named %s", origin)
	}
	for _, name := range p.order {
		if g, isGroup := p.groups[name]; isGroup {
			k := 0
			for _, m := range g.members {
				if ok[m] {
					k++
				}
			}
			ok[name] = k >= g.k
		}
	}
	if p.quorum != "none" && !ok[p.quorum] {
		return "", 0, root, nil, fmt.Errorf("quorum %s not met (cosigned by %v)", p.quorum, cosigned)
	}
	sort.Strings(cosigned)
	return origin, size, root, cosigned, nil
}

func checkProof(p *policy, file, entry []byte) (string, error) {
	head, cp, found := bytes.Cut(file, []byte("\n\n"))
	if !found {
		return "", errors.New("tlog-proof: no empty line")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		return "", errors.New("tlog-proof: bad first line")
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return "", errors.New("tlog-proof: no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		return "", fmt.Errorf("tlog-proof: index: %v", err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != 32 {
			return "", fmt.Errorf("tlog-proof: bad hash %q", l)
		}
		var hash tlog.Hash
		copy(hash[:], h)
		proof = append(proof, hash)
	}
	origin, size, root, cosigned, err := p.open(cp)
	if err != nil {
		return "", err
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
		return "", fmt.Errorf("tlog.CheckRecord(index %d, size %d): %v", index, size, err)
	}
	return fmt.Sprintf("OK %s %d %d %s", origin, size, index, strings.Join(cosigned, ",")), nil
}

func main() {
	args := os.Args[1:]
	checkpointOnly := len(args) == 3 && args[0] == "--checkpoint"
	if checkpointOnly {
		args = args[1:]
	}
	if len(args) != 3 && !(checkpointOnly && len(args) == 2) {
		fmt.Fprintln(os.Stderr, "usage: tlogproof POLICY PROOF ENTRY | tlogproof --checkpoint POLICY NOTE")
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	text, err := ioutil.ReadFile(args[0])
	if err != nil {
		fail(err)
	}
	p, err := parsePolicy(string(text))
	if err != nil {
		fail(err)
	}
	data, err := ioutil.ReadFile(args[1])
	if err != nil {
		fail(err)
	}
	if checkpointOnly {
		origin, size, _, cosigned, err := p.open(data)
		if err != nil {
			fail(err)
		}
		fmt.Printf("OK %s %d - %s\n", origin, size, strings.Join(cosigned, ","))
		return
	}
	entry, err := ioutil.ReadFile(args[2])
	if err != nil {
		fail(err)
	}
	out, err := checkProof(p, data, entry)
	if err != nil {
		fail(err)
	}
	fmt.Println(out)
}
