package main

// Base-field multiplication cost next to Lamina's (arkworks'), to tell an
// algorithmic gap in the MSMs from an arithmetic one:
//
//	cd bench/gnark && go test -bench . -benchtime 2s
//	cargo run --release -p lamina-encoding --example speed_ab -- field

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
)

// A chain of dependent multiplications, as in a point addition.
func BenchmarkFpMul(b *testing.B) {
	var x, y fp.Element
	x.SetRandom()
	y.SetRandom()
	for i := 0; i < b.N; i++ {
		x.Mul(&x, &y)
	}
	sink = x
}

func BenchmarkFp2Mul(b *testing.B) {
	_, _, _, g2 := bn254.Generators()
	x, y := g2.X, g2.Y
	for i := 0; i < b.N; i++ {
		x.Mul(&x, &y)
	}
	sink = x.A0
}

func BenchmarkFpInverse(b *testing.B) {
	var x fp.Element
	x.SetRandom()
	for i := 0; i < b.N; i++ {
		x.Inverse(&x)
	}
	sink = x
}

var sink fp.Element
