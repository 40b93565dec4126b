// Command gnark-commit times EigenDA's commitment computation with
// gnark-crypto, on inputs Lamina wrote, so that scripts/bench_gnark.sh can
// run it and Lamina's commitments alternately on the same machine.
//
// EigenDA v2's committer (encoding/v2/kzg/committer) computes a blob's three
// commitments as three gnark-crypto MultiExp calls with the default config
// (one task per CPU):
//
//	commitment        = G1 MultiExp(g1[:n], coeffs)
//	length commitment = G2 MultiExp(g2[:n], coeffs)
//	length proof      = G2 MultiExp(g2Trailing[len-n:], coeffs)
//
// This program makes exactly those calls. Its inputs (written by
// `cargo run --release -p lamina-encoding --example speed_ab -- gnark-inputs DIR N`)
// are uncompressed points (gnark's raw big-endian layout: x then y, an Fp2
// element as a1 then a0) and big-endian scalars. The points are read without
// curve or subgroup checks: they are Lamina's own output, and only the
// MultiExp calls are timed.
//
// Usage: gnark-commit DIR N [ROUNDS]
// Prints one line per round: "gnark n=N total_ms G1_ms G2_ms G2proof_ms",
// then one line with the three results, compressed and hex-encoded, which the
// script compares with Lamina's.
package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func readFile(dir, name string, want int) []byte {
	buf, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fail("%v", err)
	}
	if len(buf) < want {
		fail("%s holds %d bytes, need %d", name, len(buf), want)
	}
	return buf[:want]
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnark-commit: "+format+"\n", args...)
	os.Exit(1)
}

func setFp(e *fp.Element, b []byte) {
	if err := e.SetBytesCanonical(b); err != nil {
		fail("coordinate not canonical: %v", err)
	}
}

func readG1(dir, name string, n int) []bn254.G1Affine {
	buf := readFile(dir, name, 64*n)
	pts := make([]bn254.G1Affine, n)
	for i := range pts {
		b := buf[64*i:]
		setFp(&pts[i].X, b[0:32])
		setFp(&pts[i].Y, b[32:64])
	}
	return pts
}

func readG2(dir, name string, n int) []bn254.G2Affine {
	buf := readFile(dir, name, 128*n)
	pts := make([]bn254.G2Affine, n)
	for i := range pts {
		b := buf[128*i:]
		setFp(&pts[i].X.A1, b[0:32])
		setFp(&pts[i].X.A0, b[32:64])
		setFp(&pts[i].Y.A1, b[64:96])
		setFp(&pts[i].Y.A0, b[96:128])
	}
	return pts
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: gnark-commit DIR N [ROUNDS]")
	}
	dir := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n <= 0 {
		fail("bad N %q", os.Args[2])
	}
	rounds := 1
	if len(os.Args) > 3 {
		if rounds, err = strconv.Atoi(os.Args[3]); err != nil || rounds <= 0 {
			fail("bad ROUNDS %q", os.Args[3])
		}
	}
	g1 := readG1(dir, "g1.raw", n)
	g2 := readG2(dir, "g2.raw", n)
	g2Trailing := readG2(dir, "g2trailing.raw", n)
	sbuf := readFile(dir, "scalars.raw", 32*n)
	coeffs := make([]fr.Element, n)
	for i := range coeffs {
		if err := coeffs[i].SetBytesCanonical(sbuf[32*i : 32*i+32]); err != nil {
			fail("scalar %d: %v", i, err)
		}
	}

	var c1 bn254.G1Affine
	var lc, lp bn254.G2Affine
	cfg := ecc.MultiExpConfig{}
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		if _, err := c1.MultiExp(g1, coeffs, cfg); err != nil {
			fail("%v", err)
		}
		t1 := time.Now()
		if _, err := lc.MultiExp(g2, coeffs, cfg); err != nil {
			fail("%v", err)
		}
		t2 := time.Now()
		if _, err := lp.MultiExp(g2Trailing, coeffs, cfg); err != nil {
			fail("%v", err)
		}
		t3 := time.Now()
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Printf("gnark n=%d total_ms %.1f g1_ms %.1f g2_ms %.1f g2proof_ms %.1f\n",
			n, ms(t3.Sub(t0)), ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(t3.Sub(t2)))
	}
	b1, b2, b3 := c1.Bytes(), lc.Bytes(), lp.Bytes()
	fmt.Printf("gnark results %s %s %s\n", hex.EncodeToString(b1[:]), hex.EncodeToString(b2[:]), hex.EncodeToString(b3[:]))
}
