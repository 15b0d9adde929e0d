// Command verify-cosignature opens a cosigned checkpoint with Go's golang.org/x/mod/sumdb/note and none of our
// code: the log's signature under its Ed25519 note key (note.NewVerifier), and a C2SP tlog-cosignature/v1 under
// a cosigner key (type 0x04), through a note.Verifier written here from the spec, since x/mod knows only type
// 0x01. A cosignature signs "cosignature/v1\ntime <T>\n" followed by the checkpoint text; its signature bytes
// are the 8-byte big-endian T then the Ed25519 signature; its key ID is the first 4 bytes of
// SHA-256(name || "\n" || 0x04 || public key).
//
// Usage: verify-cosignature CHECKPOINT_FILE LOG_VKEY COSIGNER_VKEY
// Prints "OK <cosigner name> <timestamp>" and exits 0 if note.Open verified both; else "FAIL: …" and exits 1.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io/ioutil"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type cosigVerifier struct {
	name      string
	hash      uint32
	key       ed25519.PublicKey
	timestamp uint64
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.hash }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	if !ed25519.Verify(v.key, signed, sig[8:]) {
		return false
	}
	v.timestamp = t
	return true
}

func parseCosignerKey(vkey string) (*cosigVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3) // the base64 key may hold '+' itself
	if len(parts) != 3 {
		return nil, fmt.Errorf("cosigner key: expected name+hexid+base64")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		return nil, fmt.Errorf("cosigner key: expected type 0x04 and a 32-byte Ed25519 key")
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	id := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", id) != parts[1] {
		return nil, fmt.Errorf("cosigner key: key ID %s is not %08x", parts[1], id)
	}
	return &cosigVerifier{name: parts[0], hash: id, key: ed25519.PublicKey(raw[1:])}, nil
}

func run(args []string) (string, error) {
	if len(args) != 3 {
		return "", fmt.Errorf("usage: verify-cosignature CHECKPOINT_FILE LOG_VKEY COSIGNER_VKEY")
	}
	msg, err := ioutil.ReadFile(args[0])
	if err != nil {
		return "", err
	}
	logKey, err := note.NewVerifier(args[1])
	if err != nil {
		return "", fmt.Errorf("log key: %v", err)
	}
	cosigner, err := parseCosignerKey(args[2])
	if err != nil {
		return "", err
	}
	n, err := note.Open(msg, note.VerifierList(logKey, cosigner))
	if err != nil {
		return "", fmt.Errorf("note.Open: %v", err)
	}
	var log, cosigned bool
	for _, s := range n.Sigs {
		log = log || (s.Name == logKey.Name() && s.Hash == logKey.KeyHash())
		cosigned = cosigned || (s.Name == cosigner.name && s.Hash == cosigner.hash)
	}
	if !log || !cosigned {
		return "", fmt.Errorf("note.Open verified the log's signature: %v, the cosignature: %v", log, cosigned)
	}
	return fmt.Sprintf("OK %s %d", cosigner.name, cosigner.timestamp), nil
}

func main() {
	out, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(out)
}
